package metrics

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"pgregory.net/rapid"
)

// ObserveAll folds a batch exactly as Observe does one event at a time,
// stops at the first refused event and reports where.
func TestObserveAllEqualsObserve(t *testing.T) {
	// Rule: MT15
	rapid.Check(t, func(t *rapid.T) {
		g := history(t)
		events := append([]eventlog.Event(nil), g.out...)
		bad := -1
		if len(events) > 0 && rapid.Bool().Draw(t, "corrupt") {
			bad = rapid.IntRange(0, len(events)-1).Draw(t, "bad")
			events[bad].Kind = 0 // no such kind
		}
		one, all := mustNew(t), mustNew(t)
		want, wantErr := len(events), error(nil)
		for i, e := range events {
			if err := one.Observe(e); err != nil {
				want, wantErr = i, err
				break
			}
		}
		before := append([]eventlog.Event(nil), events...)
		n, err := all.ObserveAll(events)
		if n != want || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("ObserveAll = %d, %v; Observe stopped at %d, %v", n, err, want, wantErr)
		}
		if bad >= 0 && (n != bad || !errors.Is(err, ErrInvalidEvent)) {
			t.Fatalf("corrupt event %d: got %v", bad, err)
		}
		if !reflect.DeepEqual(before, events) {
			t.Fatal("ObserveAll changed its input")
		}
		end := g.now.Add(time.Minute)
		if a, b := one.Dashboard(end), all.Dashboard(end); !reflect.DeepEqual(a, b) {
			t.Fatalf("dashboards differ:\none %+v\nall %+v", a, b)
		}
		day := t0.Truncate(24 * time.Hour)
		if a, b := one.Report(day, day.Add(48*time.Hour)), all.Report(day, day.Add(48*time.Hour)); !reflect.DeepEqual(a, b) {
			t.Fatalf("reports differ:\none %+v\nall %+v", a, b)
		}
		if one.Rejected() != all.Rejected() {
			t.Fatalf("rejected: %d, %d", one.Rejected(), all.Rejected())
		}
	})
}

func TestObserveAllEmpty(t *testing.T) {
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.ObserveAll(nil); n != 0 || err != nil {
		t.Fatalf("ObserveAll(nil) = %d, %v", n, err)
	}
}
