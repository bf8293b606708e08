// Finds the .msg/.srv files of the interface packages under msgs/ (our vla_ros_msgs and the
// standard services in msgs/upstream/<pkg>/) and splits services into their two messages. Only
// file handling lives here; parsing is @foxglove/rosmsg's job (see registry.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { InterfaceKind } from './type_names.js';

/** One message's source text: a .msg file, or one half of a .srv file. */
export interface InterfaceSource {
  pkg: string;
  kind: InterfaceKind;
  /** `Type` for a .msg, `<Srv>_Request` / `<Srv>_Response` for the halves of a .srv. */
  name: string;
  /** The text exactly as in the file (the srv half for services), comments included. */
  text: string;
  /** The file it came from, for error messages. */
  file: string;
}

/** A .srv file: the service name and its two message halves. */
export interface ServiceSource {
  pkg: string;
  name: string;
  request: InterfaceSource;
  response: InterfaceSource;
}

export interface InterfacePackageSources {
  messages: InterfaceSource[];
  services: ServiceSource[];
}

// rosidl: the request and response parts are separated by a line holding exactly `---`.
const SERVICE_SEPARATOR = /^---[ \t]*\r?$/m;

/** Splits a .srv text into its request and response texts (each ends with a newline or is empty). */
export function splitServiceText(text: string, file = '<srv>'): { request: string; response: string } {
  const parts = text.split(SERVICE_SEPARATOR);
  if (parts.length !== 2) {
    throw new Error(`${file}: a service needs exactly one '---' line, found ${parts.length - 1}`);
  }
  const [request = '', response = ''] = parts;
  // The separator regex leaves the newline that ended the `---` line at the start of the response.
  return { request, response: response.replace(/^\r?\n/, '') };
}

function isDirectory(dir: string): boolean {
  return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function sortedEntries(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

function isInterfacePackage(dir: string): boolean {
  return isDirectory(path.join(dir, 'msg')) || isDirectory(path.join(dir, 'srv'));
}

/**
 * The interface package folders under `root`: each child folder that has msg/ or srv/, and one
 * level further down for grouping folders such as msgs/upstream/. The folder name is the package.
 */
export function findInterfacePackages(root: string): string[] {
  const packages: string[] = [];
  for (const child of sortedEntries(root)) {
    const dir = path.join(root, child);
    if (!isDirectory(dir)) {
      continue;
    }
    if (isInterfacePackage(dir)) {
      packages.push(dir);
      continue;
    }
    for (const grandchild of sortedEntries(dir)) {
      const nested = path.join(dir, grandchild);
      if (isDirectory(nested) && isInterfacePackage(nested)) {
        packages.push(nested);
      }
    }
  }
  return packages;
}

function filesWithExtension(dir: string, extension: string): string[] {
  if (!isDirectory(dir)) {
    return [];
  }
  return sortedEntries(dir)
    .filter((file) => file.endsWith(extension))
    .map((file) => path.join(dir, file));
}

/** Reads every .msg and .srv of the interface packages under `root`, sorted by package and name. */
export function readInterfacePackages(root: string): InterfacePackageSources {
  const messages: InterfaceSource[] = [];
  const services: ServiceSource[] = [];
  const seenPackages = new Map<string, string>();
  for (const packageDir of findInterfacePackages(root)) {
    const pkg = path.basename(packageDir);
    const previous = seenPackages.get(pkg);
    if (previous !== undefined) {
      throw new Error(`interface package ${pkg} found twice: ${previous} and ${packageDir}`);
    }
    seenPackages.set(pkg, packageDir);

    for (const file of filesWithExtension(path.join(packageDir, 'msg'), '.msg')) {
      const text = fs.readFileSync(file, 'utf8');
      messages.push({ pkg, kind: 'msg', name: path.basename(file, '.msg'), text, file });
    }
    for (const file of filesWithExtension(path.join(packageDir, 'srv'), '.srv')) {
      const name = path.basename(file, '.srv');
      const { request, response } = splitServiceText(fs.readFileSync(file, 'utf8'), file);
      services.push({
        pkg,
        name,
        request: { pkg, kind: 'srv', name: `${name}_Request`, text: request, file },
        response: { pkg, kind: 'srv', name: `${name}_Response`, text: response, file },
      });
    }
  }
  return { messages, services };
}
