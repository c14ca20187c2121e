// The `sip` npm package (a devDependency used only by bench/sip-parse.ts) ships no types.
declare module 'sip' {
  const sip: {
    /** Parses one message from a string; undefined when it cannot. */
    parse(data: string): unknown;
    /** Parses a sip: or sips: URI; undefined when it cannot. */
    parseUri(data: string): unknown;
  };
  export default sip;
}
