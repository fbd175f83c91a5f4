/**
 * The one reader of untrusted JSON text (ACME bodies, JWS headers and payloads, REST bodies): a size
 * limit and a nesting-depth limit checked on the text before JSON.parse sees it.
 *
 * Why a depth limit: JSON.parse itself copes with deep nesting, but what runs on the value afterwards
 * (JSON.stringify in a problem detail, schema validation, structured clone, logging) recurses, and a
 * body of 20 KiB of "[" overflows the stack there: a RangeError, i.e. a 500, before any authentication.
 * Nothing this server accepts nests deeper than a few levels (a JWS in a payload in a JWS is 4), so
 * JSON_MAX_DEPTH leaves ample room and refuses the rest up front with a 400.
 *
 * The check is one linear scan over the text (strings skipped, escapes honoured), no recursion, so it
 * costs about as much as the parse it guards.
 */

/** Deepest nesting of arrays and objects accepted (the top-level value is depth 1). */
export const JSON_MAX_DEPTH = 32;
/** Largest JSON text accepted by default, in UTF-16 code units (callers also limit the body in bytes). */
export const JSON_MAX_LENGTH = 64 * 1024;

export type JsonRefusal = 'size' | 'depth' | 'syntax';

/** Why a JSON text was refused; callers turn it into their protocol's 400 problem. */
export class JsonInputError extends Error {
  constructor(
    readonly reason: JsonRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'JsonInputError';
  }
}

export interface JsonLimits {
  maxDepth?: number;
  maxLength?: number;
}

const OPEN_BRACKET = 0x5b; // [
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACKET = 0x5d; // ]
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The deepest nesting in `text`, or a number above `stop` as soon as it is exceeded (the scan stops
 * there). Brackets inside strings do not count. The text need not be valid JSON: JSON.parse judges that.
 */
export function jsonDepth(text: string, stop = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
      continue;
    }
    if (ch === QUOTE) inString = true;
    else if (ch === OPEN_BRACKET || ch === OPEN_BRACE) {
      if (++depth > max) {
        max = depth;
        if (max > stop) return max;
      }
    } else if (ch === CLOSE_BRACKET || ch === CLOSE_BRACE) depth--;
  }
  return max;
}

/** Refuses `text` when it is too long or nests too deeply; JsonInputError says which. */
export function checkJsonText(text: string, limits: JsonLimits = {}): void {
  const maxLength = limits.maxLength ?? JSON_MAX_LENGTH;
  const maxDepth = limits.maxDepth ?? JSON_MAX_DEPTH;
  if (text.length > maxLength) throw new JsonInputError('size', `JSON text is longer than ${maxLength} characters.`);
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new JsonInputError('depth', `JSON nests deeper than ${maxDepth} levels.`);
  }
}

/** JSON.parse behind the size and depth limits. Any refusal, syntax errors included, is a JsonInputError. */
export function parseJson(text: string, limits: JsonLimits = {}): unknown {
  checkJsonText(text, limits);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JsonInputError('syntax', 'not valid JSON');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** parseJson of UTF-8 bytes; bytes that are not UTF-8 are refused as 'syntax'. */
export function parseJsonBytes(bytes: Uint8Array, limits: JsonLimits = {}): unknown {
  const maxLength = limits.maxLength ?? JSON_MAX_LENGTH;
  // Every UTF-16 code unit takes at least one byte: a byte count under the limit cannot decode over it.
  if (bytes.length > maxLength * 3) throw new JsonInputError('size', `JSON text is longer than ${maxLength} characters.`);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new JsonInputError('syntax', 'not UTF-8 text');
  }
  return parseJson(text, limits);
}
