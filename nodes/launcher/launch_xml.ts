// XML launch files → elements with their attributes and line numbers, as launch_xml reads them
// through Python's ElementTree (well-formedness, one <launch> root, entity decoding).

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { LaunchFileError, type SourceFile } from './launch_errors.js';
import { errorText } from '../error_text.js';

export interface XmlElement {
  tag: string;
  attributes: ReadonlyMap<string, string>;
  children: readonly XmlElement[];
  line: number;
}

// fast-xml-parser 5 reports where each element starts (captureMetaData → startIndex); lines are
// counted from that offset. Entities are decoded here rather than by the parser so that '&amp;#10;'
// cannot be decoded twice and unknown entities are errors, as in Python's ElementTree.
const XML_PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  captureMetaData: true,
});
const XML_METADATA = XMLParser.getMetaDataSymbol() as unknown as symbol;
const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

type XmlNode = Record<string | symbol, unknown>;

function lineCounter(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

/** XML attribute-value normalisation (literal tabs and line breaks become spaces), then entities. */
function decodeAttribute(raw: string): string {
  const normalized = raw.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
  return normalized.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`'&' must start an entity reference such as &amp; (got '${whole}')`);
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    const value = XML_ENTITIES[name];
    if (value === undefined) throw new Error(`undefined entity '&${name};'`);
    return value;
  });
}

function elementTag(node: XmlNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && !key.startsWith('#') && !key.startsWith('?'));
}

export function parseXml(text: string, file: SourceFile): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, msg } = valid.err;
    throw new LaunchFileError(`${file.display}:${line}: not well-formed XML: ${msg}`, file.path, line, undefined);
  }
  const lineOf = lineCounter(text);
  const toElements = (nodes: unknown, parentLine: number): XmlElement[] => {
    const elements: XmlElement[] = [];
    for (const node of Array.isArray(nodes) ? (nodes as XmlNode[]) : []) {
      const tag = elementTag(node);
      if (tag === undefined) continue; // text, comments: launch_xml only looks at elements
      const metadata = node[XML_METADATA] as { startIndex?: number } | undefined;
      const line = metadata?.startIndex === undefined ? parentLine : lineOf(metadata.startIndex);
      const attributes = new Map<string, string>();
      for (const [name, raw] of Object.entries((node[':@'] ?? {}) as Record<string, unknown>)) {
        try {
          attributes.set(name, decodeAttribute(String(raw)));
        } catch (err) {
          throw new LaunchFileError(`${file.display}:${line}: <${tag}>: attribute '${name}': ${errorText(err)}`, file.path, line, tag);
        }
      }
      elements.push({ tag, attributes, children: toElements(node[tag], line), line });
    }
    return elements;
  };
  const roots = toElements(XML_PARSER.parse(text) as unknown, 1);
  if (roots.length !== 1) {
    const line = roots[1]?.line ?? 1;
    throw new LaunchFileError(`${file.display}:${line}: a launch file has exactly one root element, <launch>`, file.path, line, undefined);
  }
  if (roots[0].tag !== 'launch') {
    const { line, tag } = roots[0];
    throw new LaunchFileError(`${file.display}:${line}: <${tag}>: the root element must be <launch>`, file.path, line, tag);
  }
  return roots[0];
}
