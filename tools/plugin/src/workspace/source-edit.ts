// Small, targeted edits of the workspace's TypeScript files through the compiler's syntax tree: the generators add
// an element or an import where a person would, and formatFiles() lays the result out as Prettier does.
import { applyChangesToString, ChangeType } from '@nx/devkit';
import type { StringChange, Tree } from '@nx/devkit';
import ts from 'typescript';

function parse(tree: Tree, file: string): { text: string; source: ts.SourceFile } {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} does not exist`);
  return { text, source: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true) };
}

function find<T extends ts.Node>(node: ts.Node, match: (node: ts.Node) => node is T): T | undefined {
  if (match(node)) return node;
  return ts.forEachChild(node, (child) => find(child, match));
}

/** The initializer of `const <name> = ...`, without `as const` or a `satisfies`. */
function constInitializer(source: ts.SourceFile, name: string): ts.Expression {
  const declaration = find(
    source,
    (node): node is ts.VariableDeclaration =>
      ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name,
  );
  let initializer = declaration?.initializer;
  while (initializer && (ts.isAsExpression(initializer) || ts.isSatisfiesExpression(initializer))) {
    initializer = initializer.expression;
  }
  if (!initializer) throw new Error(`${source.fileName}: no "const ${name} = ..." found`);
  return initializer;
}

/** What goes between a list's last element and a new one: nothing more when the list ends in a comma already. */
const separator = (list: ts.NodeArray<ts.Node>, comma: string): string =>
  list.length === 0 ? '' : list.hasTrailingComma ? comma.slice(1) : comma;

const edit = (tree: Tree, file: string, text: string, changes: StringChange[]) =>
  tree.write(file, applyChangesToString(text, changes));

/** Appends elements (source text) to the array literal `const <name> = [...]`. */
export function appendToArrayConst(tree: Tree, file: string, name: string, elements: string[]): void {
  if (elements.length === 0) return;
  const { text, source } = parse(tree, file);
  const array = constInitializer(source, name);
  if (!ts.isArrayLiteralExpression(array)) throw new Error(`${file}: ${name} is not an array literal`);
  edit(tree, file, text, [
    { type: ChangeType.Insert, index: array.elements.end, text: separator(array.elements, ', ') + elements.join(', ') },
  ]);
}

/** The string elements of the array literal `const <name> = [...]`. */
export function readArrayConst(tree: Tree, file: string, name: string): string[] {
  const { source } = parse(tree, file);
  const array = constInitializer(source, name);
  if (!ts.isArrayLiteralExpression(array)) throw new Error(`${file}: ${name} is not an array literal`);
  return array.elements.filter(ts.isStringLiteral).map((element) => element.text);
}

/** Appends a property (source text, `key: value`) to the object literal `const <name> = {...}`. */
export function appendToObjectConst(tree: Tree, file: string, name: string, property: string): void {
  const { text, source } = parse(tree, file);
  const object = constInitializer(source, name);
  if (!ts.isObjectLiteralExpression(object)) throw new Error(`${file}: ${name} is not an object literal`);
  const addition = separator(object.properties, ',\n') + property;
  edit(tree, file, text, [{ type: ChangeType.Insert, index: object.properties.end, text: addition }]);
}

/** Every `export const NAME = 'text';` of a file, by its string value. */
export function stringConstants(tree: Tree, file: string): Map<string, string> {
  const { source } = parse(tree, file);
  const found = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.initializer && ts.isStringLiteral(declaration.initializer)) {
        found.set(declaration.initializer.text, declaration.name.text);
      }
    }
  }
  return found;
}

/** Adds a name to an existing `import { ... } from '<from>'` or `export { ... } from '<from>'` of the file. */
export function addNamedSpecifier(tree: Tree, file: string, kind: 'import' | 'export', from: string, name: string) {
  const { text, source } = parse(tree, file);
  for (const statement of source.statements) {
    const isMatch =
      kind === 'import'
        ? ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly
        : ts.isExportDeclaration(statement) && !statement.isTypeOnly;
    if (!isMatch) continue;
    const declaration = statement as ts.ImportDeclaration | ts.ExportDeclaration;
    const specifier = declaration.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || specifier.text !== from) continue;
    const named =
      kind === 'import'
        ? (declaration as ts.ImportDeclaration).importClause?.namedBindings
        : (declaration as ts.ExportDeclaration).exportClause;
    if (!named || !(ts.isNamedImports(named) || ts.isNamedExports(named))) continue;
    if (named.elements.some((element) => element.name.text === name)) return;
    // A list Prettier laid out over several lines ends in a comma, and the elements' end is after it.
    const insert = named.elements.hasTrailingComma ? ` ${name},` : `, ${name}`;
    edit(tree, file, text, [{ type: ChangeType.Insert, index: named.elements.end, text: insert }]);
    return;
  }
  // No such statement yet: a new one after the file's imports (formatFiles lays out, it does not sort).
  const imports = source.statements.filter((statement) => ts.isImportDeclaration(statement));
  const index = imports.at(-1)?.end ?? 0;
  edit(tree, file, text, [{ type: ChangeType.Insert, index, text: `\n${kind} { ${name} } from '${from}';\n` }]);
}

/**
 * Registers a class in the `@Module({ ... })` of a module file: imports it and appends it to the decorator's
 * `providers` or `controllers` array (creating the array when the module has none).
 */
export function registerInModule(
  tree: Tree,
  moduleFile: string,
  array: 'providers' | 'controllers',
  className: string,
  importPath: string,
): void {
  addNamedSpecifier(tree, moduleFile, 'import', importPath, className);
  const { text, source } = parse(tree, moduleFile);
  const decorator = find(
    source,
    (node): node is ts.CallExpression =>
      ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Module',
  );
  const options = decorator?.arguments[0];
  if (!options || !ts.isObjectLiteralExpression(options)) throw new Error(`${moduleFile}: no @Module({ ... }) found`);
  const property = options.properties.find(
    (candidate): candidate is ts.PropertyAssignment =>
      ts.isPropertyAssignment(candidate) && ts.isIdentifier(candidate.name) && candidate.name.text === array,
  );
  if (property && ts.isArrayLiteralExpression(property.initializer)) {
    const elements = property.initializer.elements;
    edit(tree, moduleFile, text, [
      { type: ChangeType.Insert, index: elements.end, text: separator(elements, ', ') + className },
    ]);
    return;
  }
  if (property) throw new Error(`${moduleFile}: @Module's ${array} is not an array literal`);
  edit(tree, moduleFile, text, [
    {
      type: ChangeType.Insert,
      index: options.properties.end,
      text: `${separator(options.properties, ',\n')}${array}: [${className}]`,
    },
  ]);
}
