/**
 * Plain-text tables for terminals: columns padded to their widest cell, two spaces apart. Cells are made single-line
 * (a reason may hold newlines) so a row stays a row for `grep` and `awk`.
 */

/** A cell with control characters (newlines, tabs, escapes) shown as spaces. */
export function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  return String(value).replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** `headers` and `rows` as aligned lines; the last column is not padded, so no line ends in spaces. */
export function formatTable(headers: string[], rows: (string | number | undefined)[][]): string {
  const lines = [headers, ...rows.map((row) => headers.map((_, column) => cell(row[column])))];
  const width = (text: string) => [...text].length;
  const widths = headers.map((_, column) => Math.max(...lines.map((line) => width(line[column] ?? ''))));
  const pad = (text: string, column: number) => text + ' '.repeat((widths[column] ?? 0) - width(text));
  return lines
    .map((line) =>
      line
        .map((text, column) => (column === line.length - 1 ? text : pad(text, column)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `label  value` lines with the values aligned: a record for humans that `grep`/`awk` still read. */
export function formatFields(fields: [string, string | number | undefined][]): string {
  const present = fields.filter((field): field is [string, string | number] => field[1] !== undefined);
  return formatTable(['', ''], present).split('\n').slice(1).join('\n');
}
