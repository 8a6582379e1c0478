package assign

import (
	"fmt"
	"testing"

	pb "github.com/phonebalance/phonebalance"
	"pgregory.net/rapid"
)

// The call index against a map: adds, removals by slot and lookups, with
// enough IDs that small tables collide and removals shift probe runs; the
// index's own invariants hold after every step.
func TestCallIndexAgainstMap(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var x callIndex
		model := map[pb.CallID]*call{}
		fail := func(format string, args ...any) { rt.Fatalf(format, args...) }
		id := rapid.Custom(func(t *rapid.T) pb.CallID {
			return pb.CallID(fmt.Sprintf("c%d", rapid.IntRange(0, 80).Draw(t, "n")))
		})
		for range rapid.IntRange(1, 300).Draw(rt, "steps") {
			k := id.Draw(rt, "id")
			switch op := rapid.IntRange(0, 2).Draw(rt, "op"); {
			case op == 0 && model[k] == nil:
				c := &call{id: k}
				got, h := x.find(k)
				if got != nil {
					rt.Fatalf("find %q before add: %v", k, got.id)
				}
				x.addHashed(c, h)
				model[k] = c
			case op == 1 && model[k] != nil:
				x.remove(model[k])
				delete(model, k)
			default:
				if got := x.get(k); got != model[k] {
					rt.Fatalf("get %q: %p, want %p", k, got, model[k])
				}
			}
			if x.len() != len(model) {
				rt.Fatalf("len %d, want %d", x.len(), len(model))
			}
			x.check(fail)
		}
		for k, c := range model {
			if x.get(k) != c {
				rt.Fatalf("%q lost", k)
			}
		}
		n := 0
		for k, c := range x.all() {
			if model[k] != c {
				rt.Fatalf("all yields %q, not held", k)
			}
			n++
		}
		if n != len(model) {
			rt.Fatalf("all yields %d calls, want %d", n, len(model))
		}
	})
}

// A removal that does not match the table is an internal invariant broken:
// it panics rather than corrupting the index.
func TestCallIndexRemoveUnknownPanics(t *testing.T) {
	var x callIndex
	x.add(&call{id: "a"})
	defer func() {
		if recover() == nil {
			t.Fatal("removing a call the index does not hold did not panic")
		}
	}()
	x.remove(&call{id: "b"})
}
