// Channel ids: the key under which every probe result is stored, so they must not change when the
// registry is edited in unrelated places (re-ordering channels, adding a note, fixing a probe_url).
// They are therefore derived from what the channel *is*, never from its position:
//
//   <center-id>--phone-<digits>   E.164 digits without "+", or the raw digits when the number cannot
//                                 be normalised (hotline-114--phone-114)
//   <center-id>--web-<slug>       lower-cased host + path of the written URL, non-alphanumerics
//                                 collapsed to "-" (perspective-almaty--web-www-perspektiva-group-kz)
//
// Center ids are kebab-case without "--", so the double hyphen separates the two halves unambiguously.
// An explicit `id:` on the channel overrides the derived one; use it when two channels would collide
// (e.g. two bit.ly links differing only in letter case) or to keep an id when the value is corrected.

const CHANNEL_ID_RE = /^[a-z0-9]+(?:-{1,2}[a-z0-9]+)*$/;

/** Lowercase letters and digits in groups joined by "-" or "--" (so derived-style ids can be written by hand). */
export function isValidChannelId(id: string): boolean {
  return CHANNEL_ID_RE.test(id);
}

/** Lower-cases and collapses every run of non-alphanumerics to one "-", trimmed at both ends. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Id of a phone channel. `e164` is the normalised number when there is one; otherwise the digits of the
 * value as written are used, so an unprobeable number still has a stable, recognisable id.
 */
export function phoneChannelId(centerId: string, value: string, e164: string | null): string {
  const digits = (e164 ?? value).replace(/\D/g, '');
  // A value without any digit is refused elsewhere as malformed; the slug still gives it a usable id.
  return `${centerId}--phone-${digits || slugify(value) || 'none'}`;
}

/**
 * Id of a website channel, from the URL as written in `value` (not probe_url), because `value` is the
 * source's text and stays put while probe_url may be corrected. Query and fragment are left out.
 */
export function websiteChannelId(centerId: string, value: string): string {
  const url = parseLooseUrl(value);
  const basis = url && url.host !== '' ? url.host + url.pathname : value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return `${centerId}--web-${slugify(basis) || slugify(value) || 'none'}`;
}

/** Does the text start with a URL scheme ("http://", "ftp://")? */
export function hasScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim());
}

/** Parses a URL, adding "http://" when the text has no scheme (the registry writes "www.114.kz"). */
export function parseLooseUrl(text: string): URL | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  try {
    return new URL(hasScheme(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    return null;
  }
}
