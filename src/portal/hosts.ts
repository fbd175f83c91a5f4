/**
 * Forgiving input of host names, for people who paste what their browser shows: one or more names
 * separated by lines, spaces or commas; "https://", paths, ports and a trailing dot are dropped. What is
 * left is checked by the same rules as the API (src/csr/names.ts on src/core/hostname.ts). Used on the server and in the browser.
 */
export function cleanHostInput(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) =>
      s
        .trim()
        .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
        .replace(/[/?#].*$/, '')
        .replace(/:\d+$/, '')
        .replace(/\.$/, ''),
    )
    .filter((s) => s.length > 0);
}
