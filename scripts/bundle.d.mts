/** Bundles `entry` (a .ts file) into `outfile` (an ES module), packages left to node_modules. */
export function bundle(entry: string, outfile: string): void;
