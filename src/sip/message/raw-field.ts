import type { HeaderField } from './message.ts';
import type { Source } from './source.ts';

/**
 * A header line the stack does not type (Allow, Supported, User-Agent ...), as parsed: its
 * value is taken from the parsed text when first read, as most are never read.
 */
export class RawField implements HeaderField {
  name: string;
  private _value: string | undefined;
  private readonly src: Source;
  private readonly start: number;
  private readonly end: number;

  constructor(name: string, src: Source, start: number, end: number) {
    this.name = name;
    this._value = undefined;
    this.src = src;
    this.start = start;
    this.end = end;
  }

  get value(): string {
    this._value ??= this.src.text(this.start, this.end);
    return this._value;
  }

  set value(value: string) {
    this._value = value;
  }
}
