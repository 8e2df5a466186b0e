/**
 * A reader for the XML property lists `diskutil … -plist` prints: dict, array, string, integer, real, true,
 * false, data, date. Small on purpose (no DTD, no entities beyond XML's five): diskutil's output is all it reads.
 */
export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

export function parsePlist(xml: string): PlistValue {
  // Tokens: tags (open, close, empty) and the text between them; comments, the XML declaration and DOCTYPE dropped.
  const body = xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[\s\S]*?>/g, '');
  const tokens = [...body.matchAll(/<(\/?)([A-Za-z]+)[^>]*?(\/?)>|([^<]+)/g)];
  let i = 0;
  const skipSpace = () => {
    while (i < tokens.length && tokens[i]![4] !== undefined && tokens[i]![4]!.trim() === '') i++;
  };
  const textUntil = (tag: string): string => {
    let text = '';
    while (i < tokens.length && !(tokens[i]![1] === '/' && tokens[i]![2] === tag)) text += tokens[i++]![0];
    if (i >= tokens.length) throw new Error(`plist: <${tag}> is not closed`);
    i++;
    return decode(text);
  };
  const value = (): PlistValue => {
    skipSpace();
    const token = tokens[i++];
    if (!token || token[2] === undefined || token[1] === '/') throw new Error('plist: expected a value');
    const tag = token[2];
    const empty = token[3] === '/';
    switch (tag) {
      case 'true':
      case 'false':
        if (!empty) textUntil(tag);
        return tag === 'true';
      case 'string':
        return empty ? '' : textUntil(tag);
      case 'integer':
      case 'real':
        return Number(textUntil(tag).trim());
      case 'data':
      case 'date':
        return empty ? '' : textUntil(tag).trim();
      case 'array': {
        const items: PlistValue[] = [];
        if (empty) return items;
        for (;;) {
          skipSpace();
          if (tokens[i]?.[1] === '/' && tokens[i]?.[2] === 'array') return i++, items;
          items.push(value());
        }
      }
      case 'dict': {
        const dict: Record<string, PlistValue> = {};
        if (empty) return dict;
        for (;;) {
          skipSpace();
          const next = tokens[i];
          if (next?.[1] === '/' && next[2] === 'dict') return i++, dict;
          if (next?.[2] !== 'key') throw new Error('plist: expected <key> in <dict>');
          i++;
          const key = textUntil('key');
          dict[key] = value();
        }
      }
      case 'plist':
        return value();
      default:
        throw new Error(`plist: unexpected <${tag}>`);
    }
  };
  return value();
}
