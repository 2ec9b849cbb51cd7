// Every public function, class, constant and type — and every public member of an exported class — carries a doc
// comment, so that editors show one for everything a user can reach from `vrouter-io`.

import { join } from 'node:path'

import test from 'ava'
import ts from 'typescript'

const lib = join(__dirname, '..', 'lib')

test('everything lib/index.ts exports is documented, down to public class members', (t) => {
  const program = ts.createProgram([join(lib, 'index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    strict: true,
    skipLibCheck: true,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
  })
  const checker = program.getTypeChecker()
  const documented = (s: ts.Symbol) => s.getDocumentationComment(checker).length > 0
  const ours = (s: ts.Symbol) => (s.valueDeclaration ?? s.declarations?.[0])?.getSourceFile().fileName.startsWith(lib) ?? false
  const missing: string[] = []
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(join(lib, 'index.ts'))!)!)
  for (const exported of exports) {
    const s = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    if (!documented(s)) missing.push(exported.name)
    if (!(s.flags & ts.SymbolFlags.Class)) continue
    const members = [...checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(s)), ...checker.getPropertiesOfType(checker.getTypeOfSymbol(s))]
    for (const m of members) {
      const decl = m.valueDeclaration ?? m.declarations?.[0]
      // Well-known symbols (`[Symbol.asyncDispose]`, `[Symbol.iterator]`) are documented by the language; #private
      // members are nobody's API.
      if (!decl || !ours(m) || m.name === 'prototype' || m.name.startsWith('__@') || m.name.startsWith('#')) continue
      if (ts.getCombinedModifierFlags(decl as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue
      if (!documented(m)) missing.push(`${exported.name}.${m.name}`)
    }
  }
  t.true(exports.length > 50, `${exports.length} exports found`)
  t.deepEqual(missing, [], `undocumented: ${missing.join(', ')}`)
})
