/**
 * Offset -> 1-based line:col, for offsets asked in increasing order (the document order in
 * which the parser visits elements): the newline search resumes where it stopped, so locating
 * every element of a document is one linear pass. An earlier offset restarts from the top.
 * Columns count UTF-16 code units; a line ends at LF (CRLF counts once).
 */
export class Locator {
  private line = 1;
  private lineStart = 0;
  /** Offset of the next newline at or after lineStart, -1 when none. */
  private nextNewline: number;

  constructor(private readonly text: string) {
    this.nextNewline = text.indexOf('\n');
  }

  locate(offset: number): { line: number; col: number } {
    if (offset < this.lineStart) {
      this.line = 1;
      this.lineStart = 0;
      this.nextNewline = this.text.indexOf('\n');
    }
    while (this.nextNewline !== -1 && this.nextNewline < offset) {
      this.line++;
      this.lineStart = this.nextNewline + 1;
      this.nextNewline = this.text.indexOf('\n', this.lineStart);
    }
    return { line: this.line, col: offset - this.lineStart + 1 };
  }
}
