// Generated regions inside hand-written files: the lines between `# BEGIN GENERATED <name>` and
// `# END GENERATED <name>` belong to the generator; everything around them (and its comments) to
// whoever edits the file.

const marker = (kind: 'BEGIN' | 'END', name: string) =>
  new RegExp(`^[ \\t]*# ${kind} GENERATED ${name}\\b.*$`, 'm');

/** The file's text with the region's lines replaced by `content` (which ends with a newline). */
export function replaceRegion(text: string, file: string, name: string, content: string): string {
  const begin = marker('BEGIN', name).exec(text);
  const end = marker('END', name).exec(text);
  if (begin === null || end === null || end.index < begin.index) {
    throw new Error(`${file}: no region "# BEGIN GENERATED ${name}" … "# END GENERATED ${name}"`);
  }
  const afterBegin = begin.index + begin[0].length + 1;
  return text.slice(0, afterBegin) + content + text.slice(end.index);
}

/** Every line of `text` indented by `spaces` (empty lines stay empty). */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.replace(/^(?=.)/gm, pad);
}
