// Reads what callgrind dumps (its "callgrind format", one event: Ir) into instructions per
// function, and tells V8's own compiling and collecting from the work of answering requests. A
// large app such as Next is still being compiled thousands of requests into a run, and how much
// lands in the counted window differs from one process to the next (docs/benchmarks.md).

/**
 * Each function's own instructions (not those of the functions it calls), by name. Names are
 * compressed in the dump: `fn=(12) name` the first time, `fn=(12)` after; the cost line that
 * follows a `calls=` line is the call's inclusive cost and belongs to the callee.
 */
export function selfCosts(dump: string): Map<string, number> {
  const names = new Map<string, string>()
  const costs = new Map<string, number>()
  const nameOf = (ref: string): string => {
    const compressed = /^\((\d+)\)(?: (.*))?$/.exec(ref)
    if (compressed === null) return ref
    const [, id, name] = compressed
    if (name !== undefined) names.set(id!, name)
    const known = names.get(id!)
    if (known === undefined) throw new Error(`callgrind dump: function (${id}) used before named`)
    return known
  }
  let current: string | undefined
  let callCost = false
  for (const line of dump.split('\n')) {
    if (line.startsWith('fn=')) current = nameOf(line.slice(3))
    else if (line.startsWith('cfn=')) nameOf(line.slice(4))
    else if (line.startsWith('calls=')) callCost = true
    else if (/^[\d+*-]/.test(line)) {
      if (callCost) callCost = false
      else if (current !== undefined) {
        const cost = Number(line.split(' ')[1] ?? 0)
        costs.set(current, (costs.get(current) ?? 0) + cost)
      }
    }
  }
  return costs
}

// Found by diffing the per-function counts of Next processes that differed: V8's optimizing and
// baseline compilers, its parser and bytecode generator; the collector's marking, scavenging,
// sweeping, evacuation and slot bookkeeping, and the write barrier's marking part.
const compiling =
  /v8::internal::(?:compiler|maglev|baseline|interpreter|wasm)::|v8::internal::(?:Parser|PreParser|ParserBase|Scanner|Compiler|BytecodeGenerator|OptimizingCompileDispatcher|Zone|AstNodeFactory|DeclarationScope|Scope|TranslationArrayBuilder|RelocIterator)\b|Builtins_CompileLazy/
const collecting =
  /v8::internal::(?:\(anonymous namespace\)::)?\w*(?:Heap|Mark|Scaveng|Sweep|Evacuat|Migrat|Promot|RememberedSet|PointersUpdating|StringTableCleaner|Pretenuring|LiveObject|BodyDescriptor|GlobalHandles|MemoryAllocator|Barrier)\w*[:<]|heap::base::|cppgc::|Builtins_RecordWrite/

/** Whether a function is V8 compiling code or collecting garbage, rather than running the app. */
export function isV8CompileOrGc(name: string): boolean {
  return compiling.test(name) || collecting.test(name)
}

/** All the dump's instructions, and those outside V8's compiler and collector. */
export function instructionTotals(dump: string): { all: number; outsideCompileAndGc: number } {
  let all = 0
  let outsideCompileAndGc = 0
  for (const [name, cost] of selfCosts(dump)) {
    all += cost
    if (!isV8CompileOrGc(name)) outsideCompileAndGc += cost
  }
  return { all, outsideCompileAndGc }
}
