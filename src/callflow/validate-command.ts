import { readFile } from 'node:fs/promises';
import { parseVobizXml, type XmlProblem } from './parser/parse-vobiz-xml.ts';

export interface CommandOutput {
  log(s: string): void;
  error(s: string): void;
}

export const VALIDATE_USAGE = 'usage: patchbay validate FILE...';

function format(file: string, p: XmlProblem, warning: boolean): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.col ?? 1}` : file;
  return `${where}: ${warning ? 'warning: ' : ''}${p.message}`;
}

/**
 * `patchbay validate FILE...`: parses each file as a call-flow document and prints its
 * problems as `file:line:col: message` (warnings as `file:line:col: warning: message`), or
 * `file: ok`. Exit code: 0 when every file is valid (warnings allowed), 1 when one has errors,
 * 2 on a usage error or an unreadable file.
 */
export async function runValidate(files: string[], out: CommandOutput): Promise<number> {
  if (files.length === 0) {
    out.error(VALIDATE_USAGE);
    return 2;
  }
  const option = files.find((f) => f.startsWith('-') && f !== '-');
  if (option !== undefined) {
    out.error(`patchbay validate: unknown option ${option}\n${VALIDATE_USAGE}`);
    return 2;
  }
  let status = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      out.error(`${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message)}`);
      status = 2;
      continue;
    }
    const result = parseVobizXml(text);
    const errors = result.ok ? [] : result.errors;
    // Errors and warnings in document order, so that the output reads top to bottom.
    const all = [
      ...errors.map((p) => ({ p, warning: false })),
      ...result.warnings.map((p) => ({ p, warning: true })),
    ];
    all.sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.col ?? 0) - (b.p.col ?? 0));
    for (const { p, warning } of all) out.log(format(file, p, warning));
    if (result.ok) {
      const n = result.warnings.length;
      out.log(n === 0 ? `${file}: ok` : `${file}: ok (${n} warning${n === 1 ? '' : 's'})`);
    } else if (status === 0) status = 1;
  }
  return status;
}
