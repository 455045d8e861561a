import { describe, expect, it } from 'vitest'
import { instructionTotals, isV8CompileOrGc, selfCosts } from '../src/callgrind-dump.js'

// Laid out as callgrind 3.19 writes a dump: compressed names, relative positions, and a call's
// inclusive cost on the line after its `calls=`.
const dump = `# callgrind format
version: 1
creator: callgrind-3.19.0
positions: line
events: Ir
summary: 1000

ob=(6) /usr/bin/node
fl=(1) ???
fn=(10) Builtins_KeyedLoadIC_Megamorphic
0 300
cfn=(11) v8::internal::compiler::GraphReducer::ReduceTop()
calls=2 0
0 250
+3 50

fn=(11)
0 200
cfn=(12) v8::internal::Scavenger::Process(v8::JobDelegate*)
calls=1 0
* 50
fn=(12)
-2 150
fn=(13) 0x000000000d111900
0 100
fn=(14) void v8::internal::MarkingVisitorBase<v8::internal::MainMarkingVisitor<v8::internal::MarkingState>, v8::internal::MarkingState>::ProcessStrongHeapObject(v8::internal::HeapObject)
0 150
fn=(10)
0 50
totals: 1000
`

describe('callgrind dump', () => {
  it("adds up each function's own cost, leaving its calls' costs to the callees", () => {
    expect(Object.fromEntries(selfCosts(dump))).toEqual({
      Builtins_KeyedLoadIC_Megamorphic: 400,
      'v8::internal::compiler::GraphReducer::ReduceTop()': 200,
      'v8::internal::Scavenger::Process(v8::JobDelegate*)': 150,
      '0x000000000d111900': 100,
      'void v8::internal::MarkingVisitorBase<v8::internal::MainMarkingVisitor<v8::internal::MarkingState>, v8::internal::MarkingState>::ProcessStrongHeapObject(v8::internal::HeapObject)': 150,
    })
  })

  it("sets V8's compiling and collecting apart from the rest", () => {
    expect(instructionTotals(dump)).toEqual({ all: 1000, outsideCompileAndGc: 500 })
  })

  it('refuses a compressed name it was never given', () => {
    expect(() => selfCosts('fn=(7)\n0 5\n')).toThrow('function (7) used before named')
  })

  it.each([
    ['v8::internal::compiler::Scheduler::ScheduleLate()', true],
    ['v8::internal::Parser::ParseFunction(v8::internal::Isolate*)', true],
    ['v8::internal::(anonymous namespace)::RememberedSetUpdatingItem::Process()', true],
    ['v8::internal::RecordMigratedSlotVisitor::RecordMigratedSlot(v8::internal::HeapObject)', true],
    ['Builtins_RecordWriteSaveFP', true],
    ['v8::internal::LookupIterator::State v8::internal::LookupIterator::Start<false>()', false],
    ['Builtins_LoadIC', false],
    ['ada::url_aggregator ada::parser::parse_url_impl(std::basic_string_view<char>)', false],
    ['__memcpy_avx_unaligned_erms', false],
  ])('%s: V8 compiling or collecting is %s', (name, expected) => {
    expect(isV8CompileOrGc(name)).toBe(expected)
  })
})
