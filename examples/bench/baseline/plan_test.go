package baseline_test

import (
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/examples/bench/suite"
)

// The fast query must walk the index in order and never sort; the
// mod_callcenter-shaped one sorts. A plan change would change what the
// benchmarks measure.
func TestQueryPlans(t *testing.T) {
	s, err := suite.Build(2000, 3, suite.Realistic, assign.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	db, err := suite.LoadSQLite(s.Snapshot(s.Teammates), s.Members)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pick, sorted, err := db.QueryPlans()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pick, "agents_idle") || strings.Contains(pick, "TEMP B-TREE") {
		t.Errorf("Pick does not walk agents_idle:\n%s", pick)
	}
	if !strings.Contains(sorted, "TEMP B-TREE FOR ORDER BY") {
		t.Errorf("PickSorted does not sort:\n%s", sorted)
	}
}
