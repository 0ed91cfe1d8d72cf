// Edits of the workspace's YAML files through the `yaml` library's documents, which keep every comment, anchor and
// layout a person wrote: the generators add what a new service or event needs and leave every other line as it is.
import type { Tree } from '@nx/devkit';
import { parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';

/** Parses every document of a multi-document file, lets `edit` change or add documents, and writes them back. */
export function editYamlDocuments(tree: Tree, file: string, edit: (documents: Document[]) => void): void {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} does not exist`);
  const documents = parseAllDocuments(text) as Document[];
  const broken = documents.find((document) => document.errors.length > 0);
  if (broken) throw new Error(`${file}: ${broken.errors[0]?.message}`);
  edit(documents);
  const texts = documents.map((document) => document.toString({ lineWidth: 0 }));
  // Parsed documents after the first keep their `---`; a new one needs it.
  tree.write(file, texts.map((part, i) => (i > 0 && !part.startsWith('---') ? `---\n${part}` : part)).join(''));
}

/** A single-document file. */
export const editYamlDocument = (tree: Tree, file: string, edit: (document: Document) => void): void =>
  editYamlDocuments(tree, file, ([document]) => {
    if (!document) throw new Error(`${file} is empty`);
    edit(document);
  });

/** The document of a multi-document file that holds the object of this kind and name. */
export function findObject(documents: readonly Document[], kind: string, name: string): Document | undefined {
  return documents.find((doc) => doc.getIn(['kind']) === kind && doc.getIn(['metadata', 'name']) === name);
}
