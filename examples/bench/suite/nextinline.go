package suite

import "testing"

// EngineNextInLine measures the assignment decision inside the engine,
// through its public API: [assign.Engine.NextInLine] finds the longest-idle
// eligible member of the team in the [Realistic] state of n teammates,
// the teammate a new call would ring. It is the same question the
// baselines answer per decision, on the same state. It checks its answer
// against the teammate a new call does ring: [EngineDecision], run first
// on the shared fixture, moves the engine's order on without the
// baselines, so the linear scan is no reference by then.
func EngineNextInLine(n int) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := decisionFixtureFor(n)
		if err != nil {
			b.Fatal(err)
		}
		e := f.state.Engine
		want, err := f.rings()
		if err != nil {
			b.Fatal(err)
		}
		if got, ok := e.NextInLine(Team); !ok || got != want {
			b.Fatalf("engine would ring %q, a new call rings %q", got, want)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, ok := e.NextInLine(Team); !ok {
				b.Fatal("nobody in line")
			}
		}
	}
}
