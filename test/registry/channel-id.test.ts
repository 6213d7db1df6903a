import { describe, expect, it } from 'vitest';
import { isValidChannelId, parseLooseUrl, phoneChannelId, slugify, websiteChannelId } from '../../src/registry/channel-id.ts';

describe('channel ids', () => {
  it('derives phone ids from the E.164 digits', () => {
    expect(phoneChannelId('victoria-karagandy', '8-702-401-53-20', '+77024015320')).toBe('victoria-karagandy--phone-77024015320');
  });

  it('falls back to the written digits for numbers that cannot be normalised', () => {
    expect(phoneChannelId('hotline-114', '114', null)).toBe('hotline-114--phone-114');
    expect(phoneChannelId('x', '8 702 697 859 90', null)).toBe('x--phone-870269785990');
  });

  it('derives website ids from the lower-cased host and path of the written URL', () => {
    expect(websiteChannelId('perspective-almaty', 'http://www.perspektiva-group.kz/')).toBe('perspective-almaty--web-www-perspektiva-group-kz');
    expect(websiteChannelId('hotline-114', 'www.114.kz')).toBe('hotline-114--web-www-114-kz');
    expect(websiteChannelId('shapagat-atyrau', 'https://bit.ly/2HwVK5A')).toBe('shapagat-atyrau--web-bit-ly-2hwvk5a');
    expect(websiteChannelId('s', 'www.vk.com/stopsektakz')).toBe('s--web-www-vk-com-stopsektakz');
    // Scheme, query and fragment do not change what the channel is.
    expect(websiteChannelId('s', 'https://WWW.Example.org/a?x=1#top')).toBe('s--web-www-example-org-a');
  });

  it('still gives an id to values that are not URLs (they are kept as unprobeable channels)', () => {
    expect(websiteChannelId('a', 'not a url')).toBe('a--web-not-a-url');
  });

  it('ids are URL-safe', () => {
    for (const id of [
      phoneChannelId('a-b', '+7 727 261 95 80', '+77272619580'),
      websiteChannelId('a-b', 'https://пример.рф/путь'),
    ]) {
      expect(id).toMatch(/^[a-z0-9-]+$/);
      expect(encodeURIComponent(id)).toBe(id);
    }
  });

  it('validates explicit ids', () => {
    expect(isValidChannelId('hotline-114--phone-domestic')).toBe(true);
    expect(isValidChannelId('main-line')).toBe(true);
    expect(isValidChannelId('Main line')).toBe(false);
    expect(isValidChannelId('-x')).toBe(false);
    expect(isValidChannelId('a---b')).toBe(false);
  });

  it('slugify collapses and trims', () => {
    expect(slugify('  Hello, World!! ')).toBe('hello-world');
  });

  it('parseLooseUrl adds http:// only when there is no scheme', () => {
    expect(parseLooseUrl('www.114.kz')?.href).toBe('http://www.114.kz/');
    expect(parseLooseUrl('https://bit.ly/2HwVK5A')?.href).toBe('https://bit.ly/2HwVK5A');
    expect(parseLooseUrl('ftp://x')?.protocol).toBe('ftp:');
    expect(parseLooseUrl('http://')).toBeNull();
    expect(parseLooseUrl('not a url')).toBeNull();
  });
});
