package suite

import "testing"

// EngineNextInLine measures the assignment decision inside the engine,
// through its public API: [assign.Engine.NextInLine] finds the longest-idle
// eligible member of the team in the [Realistic] state of n teammates,
// the teammate a new call would ring. It is the same question the
// baselines answer per decision, on the same state.
func EngineNextInLine(n int) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := decisionFixtureFor(n)
		if err != nil {
			b.Fatal(err)
		}
		e := f.state.Engine
		want, _ := f.linear.Pick(nil)
		if got, ok := e.NextInLine(Team); !ok || got != want {
			b.Fatalf("engine would ring %q, the linear scan picks %q", got, want)
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
