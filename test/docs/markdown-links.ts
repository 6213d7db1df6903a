// Relative links and #anchors in the project's Markdown, checked the way GitHub renders them, so that
// moving a section from one page to another cannot leave a link pointing at nothing.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface MarkdownLink {
  line: number;
  target: string;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** Lines outside fenced code blocks, with their 1-based numbers: code is not Markdown. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((text, i) => {
    const m = FENCE.exec(text);
    if (fence !== null) {
      // A fence closes only with the same character, at least as many times.
      if (m?.[1] !== undefined && m[1][0] === fence[0] && m[1].length >= fence.length && text.trim() === m[1]) fence = null;
      return;
    }
    if (m?.[1] !== undefined) {
      fence = m[1];
      return;
    }
    out.push({ line: i + 1, text });
  });
  return out;
}

/** The text of inline Markdown as GitHub renders it: code spans, links, emphasis and HTML unwrapped. */
function renderedText(inline: string): string {
  return inline
    .replace(/`+([^`]*)`+/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\*+/g, '')
    .trim();
}

/**
 * GitHub's heading anchor (github-slugger): lower case, punctuation and symbols dropped, each space
 * a hyphen (so "a — b" gives "a--b"). Letters and digits of every script are kept.
 */
export function githubSlug(heading: string): string {
  return renderedText(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings' slugs (repeats get -1, -2...) and explicit HTML ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (slug: string) => {
    const n = seen.get(slug);
    seen.set(slug, (n ?? -1) + 1);
    anchors.add(n === undefined ? slug : `${slug}-${n + 1}`);
  };
  const lines = proseLines(markdown);
  lines.forEach(({ line, text }, i) => {
    const atx = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (atx?.[1] !== undefined) add(githubSlug(atx[1]));
    // A setext heading: a paragraph line directly underlined with = or -.
    const prev = lines[i - 1];
    if (/^\s{0,3}(=+|-+)\s*$/.test(text) && prev !== undefined && prev.line === line - 1 && /^\s{0,3}[^\s#>|*+-]/.test(prev.text)) {
      add(githubSlug(prev.text));
    }
    for (const m of text.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) if (m[1] !== undefined) anchors.add(m[1]);
  });
  return anchors;
}

/** Inline links and images, and reference definitions, outside code blocks and code spans. */
export function linksOf(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { line, text } of proseLines(markdown)) {
    const prose = text.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
    for (const m of prose.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (m[1] !== undefined) links.push({ line, target: m[1] });
    }
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(prose);
    if (def?.[1] !== undefined) links.push({ line, target: def[1] });
  }
  return links;
}

/**
 * Every relative link of these Markdown files that does not resolve: a file or folder that does not
 * exist, or an #anchor that no heading of the target page (or of the page itself) produces. Each
 * problem names the file (relative to root), the line and the link. Links with a scheme (https:,
 * mailto:) are not followed.
 */
export function brokenLinks(root: string, files: string[]): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsAt = (file: string) => {
    let a = anchorCache.get(file);
    if (a === undefined) {
      a = anchorsOf(readFileSync(file, 'utf8'));
      anchorCache.set(file, a);
    }
    return a;
  };
  for (const rel of files) {
    const file = path.resolve(root, rel);
    for (const { line, target } of linksOf(readFileSync(file, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const hash = target.indexOf('#');
      const filePart = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
      const dest = filePart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(filePart));
      const where = `${rel}:${line}: link to "${target}"`;
      if (!existsSync(dest)) {
        problems.push(`${where}: ${path.relative(root, dest)} does not exist`);
        continue;
      }
      if (anchor === null || anchor === '' || !dest.endsWith('.md')) continue;
      if (!anchorsAt(dest).has(anchor)) problems.push(`${where}: no heading of ${path.relative(root, dest)} has the anchor #${anchor}`);
    }
  }
  return problems;
}
