// What robot-supplied text may look like by the time it reaches Alerta.
//
// Key fields (environment, resource, event, service, group) identify an alert: Alerta de-duplicates
// on environment + resource + event, and its console lists, filters and groups by all five. They
// get one deterministic form: Unicode NFC; control, format (zero-width, bidi override) and line or
// paragraph separator characters out; runs of whitespace one space; trimmed; `<` and `>` dropped
// (no tag survives in a field consoles and notification plugins print as they are); at most
// `keyFieldMaxLength` characters, a longer value cut and ended with `~` and 8 hex digits of the
// SHA-256 of its whole normalised form, so two long values that differ stay apart. The same input
// always gives the same field, so repeats still de-duplicate.
//
// Shown fields (text, value, string attributes) stay plain text, HTML-escaped: Alerta's web UI
// renders `text`, `value` and attribute values with Vue's `v-html` (alerta-webui
// src/components/AlertList.vue and AlertDetail.vue), so an unescaped `<script>` or `<img onerror>`
// from a robot would run in the operator's browser. Control characters become spaces; length is
// capped.
import { createHash } from 'node:crypto';

export const keyFieldMaxLength = 256;
export const textMaxLength = 4096;
export const attributeMaxLength = 1024;

// Cc: C0/C1 controls (CR, LF, TAB, ESC, NUL…); Cf: format characters (ZWSP, bidi overrides, BOM…);
// Zl/Zp: U+2028, U+2029.
const invisible = /[\p{Cf}]/gu;
const breaking = /[\p{Cc}\p{Zl}\p{Zp}]/gu;
const angleBrackets = /[<>]/g;

/** Cut `value` to `max` code points (never inside a surrogate pair). */
function cut(value: string, max: number): string {
  const points = Array.from(value);
  return points.length <= max ? value : points.slice(0, max).join('');
}

/** The form of a key field; `fallback` when nothing printable is left. */
export function keyField(value: string, fallback: string, maxLength = keyFieldMaxLength): string {
  const normalised = value
    .normalize('NFC')
    .replace(invisible, '')
    .replace(breaking, ' ')
    .replace(angleBrackets, '')
    .replace(/\s+/gu, ' ')
    .trim();
  if (normalised === '') return fallback;
  if (Array.from(normalised).length <= maxLength) return normalised;
  const digest = createHash('sha256').update(normalised, 'utf8').digest('hex').slice(0, 8);
  return `${cut(normalised, maxLength - 9).trimEnd()}~${digest}`;
}

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text Alerta's web UI shows as it is: HTML-escaped, without control characters, capped. */
export function shownText(value: string, maxLength = textMaxLength): string {
  const plain = value.normalize('NFC').replace(invisible, '').replace(breaking, ' ');
  const capped = Array.from(plain).length > maxLength ? `${cut(plain, maxLength - 1)}…` : plain;
  return capped.replace(/[&<>"']/g, (character) => htmlEscapes[character] ?? character);
}

export interface EnvironmentMapping {
  /** Environments the Alerta accepts (its ALLOWED_ENVIRONMENTS), in their exact spelling. */
  allowed: readonly string[];
  /** Other environment names (compared case-insensitively) → an allowed one. */
  map: Readonly<Record<string, string>>;
  /** Where every other environment goes. */
  unknown: string;
}

/**
 * The environment an alert is sent in: an allowed one, whatever a robot sent. Its key-field form
 * matched case-insensitively against `allowed` (Alerta compares exactly: `Production` would be
 * refused), then against `map`, else `unknown`.
 */
export function alertaEnvironmentOf(environment: string, mapping: EnvironmentMapping): string {
  const wanted = keyField(environment, '').toLowerCase();
  const allowed = mapping.allowed.find((name) => name.toLowerCase() === wanted);
  if (allowed !== undefined) return allowed;
  for (const [from, to] of Object.entries(mapping.map)) {
    if (keyField(from, '').toLowerCase() === wanted) return to;
  }
  return mapping.unknown;
}
