/**
 * The `<Stream>` WebSocket protocol (spec/vobizxml.md section 3): the messages both ways,
 * the single source of their validators and types.
 */
export * from './from-app.ts';
export * from './to-app.ts';
