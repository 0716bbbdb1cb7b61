// `export` lines that a POSIX shell reads back exactly, whatever the value contains.

/** Single-quote a value; a single quote inside becomes '\'' (close, escaped quote, reopen). */
export function quoteForShell(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function exportLines(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: '${name}'`);
      return `export ${name}=${quoteForShell(value)}\n`;
    })
    .join('');
}
