/** The country pick-list: every ISO 3166-1 alpha-2 code the API accepts, named in English, sorted by name. */
import { ISO_3166_ALPHA2 } from '../core/countries.js';

let cached: { code: string; name: string }[] | undefined;

export function countries(): { code: string; name: string }[] {
  if (cached) return cached;
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  } catch {
    names = undefined; // a runtime without region names: codes only
  }
  cached = [...ISO_3166_ALPHA2]
    .map((code) => {
      let name = code;
      try {
        name = names?.of(code) ?? code;
      } catch {
        /* keep the code */
      }
      return { code, name };
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
  return cached;
}
