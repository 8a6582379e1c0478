package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	pb "github.com/phonebalance/phonebalance"
	pbclient "github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/api"
)

// A team's settings change over the API and read back the same; a lower
// queue limit and new hours deflect the next arrival and leave the calls
// already waiting.
// Rule: DF1, DF4, DF5
func TestSetTeamSettings(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	ctx := context.Background()
	host := pbclient.New(e.ts.URL, token, pbclient.WithHTTPClient(httpClient))
	for _, id := range []pb.TeammateID{"ana", "ben"} {
		if _, err := host.SetStatus(ctx, id, pbclient.StatusRequest{Status: presence.Away, Reason: "Lunch"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []pb.CallID{"c1", "c2"} {
		if _, err := host.Arrive(ctx, id, "support"); err != nil {
			t.Fatal(err)
		}
	}
	want := pbclient.TeamSettings{MaxQueue: 1, MaxWaitMS: 3_600_000, DeflectWhenNobodyOnline: false,
		Hours: pbclient.Hours{TimeZone: "Europe/Paris", Weekly: []pbclient.Opening{{Day: "monday", Start: "09:00", End: "17:00"}},
			Override: "force_open"}}
	res, err := host.SetTeamSettings(ctx, "support", want)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "effects of the change", len(res.Effects), 0) // both calls waited less than an hour
	got, err := host.TeamSettings(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "settings read back", settingsLine(got), settingsLine(want))
	team, err := host.Team(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "still waiting", strings.Join(toStrings(team.Waiting), ","), "c1,c2")

	res, err = host.Arrive(ctx, "c3", "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "queue full", strings.Join(effectsOf(res), ";"), "deflect c3")
	equal(t, "reason", res.Effects[0].Deflection, eventlog.DeflectQueueFull)

	// All fields replaced: an empty body lifts every limit and the override.
	if _, err := host.SetTeamSettings(ctx, "support", pbclient.TeamSettings{Hours: pbclient.Hours{Override: "out_of_office"}}); err != nil {
		t.Fatal(err)
	}
	res, err = host.Arrive(ctx, "c4", "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "team closed", res.Effects[0].Deflection, eventlog.DeflectTeamClosed)
	if got, err = host.TeamSettings(ctx, "support"); err != nil {
		t.Fatal(err)
	}
	equal(t, "replaced", settingsLine(got), "0 0 false  [] out_of_office")
	if _, err := host.SetTeamSettings(ctx, "sales", pbclient.TeamSettings{}); pbclient.Code(err) != "unknown_team" {
		t.Fatalf("unknown team: %v", err)
	}
}

// settingsLine is a team's settings as one comparable line.
func settingsLine(s pbclient.TeamSettings) string {
	return fmt.Sprint(s.MaxQueue, " ", s.MaxWaitMS, " ", s.DeflectWhenNobodyOnline, " ", s.Hours.TimeZone, " ",
		s.Hours.Weekly, " ", s.Hours.Override)
}

// The workspace settings that can change do, at the next decision; the
// others stay as the workspace was created.
// Rule: AS8, EL3, DF3
func TestSetWorkspaceSettings(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	ctx := context.Background()
	host := pbclient.New(e.ts.URL, token, pbclient.WithHTTPClient(httpClient))
	before, err := host.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := host.SetWorkspaceSettings(ctx, pbclient.WorkspaceSettingsRequest{AutoAnswer: true, ShowTeamComposition: true}); err != nil {
		t.Fatal(err)
	}
	after, err := host.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "auto answer", after.AutoAnswer, true)
	equal(t, "composition", after.ShowTeamComposition, true)
	after.AutoAnswer, after.ShowTeamComposition = before.AutoAnswer, before.ShowTeamComposition
	equal(t, "the rest", fmt.Sprintf("%+v", after), fmt.Sprintf("%+v", before))

	res, err := host.Arrive(ctx, "c1", "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ring", ringOf(res), "ana")
	equal(t, "auto-answered ring", res.Effects[0].AutoAnswer, true)
	equal(t, "composition logged", strings.Contains(kindsOf(res), "teammates_available"), true)

	if _, err := host.SetWorkspaceSettings(ctx, pbclient.WorkspaceSettingsRequest{Hours: pbclient.Hours{Override: "out_of_office"}}); err != nil {
		t.Fatal(err)
	}
	res, err = host.Arrive(ctx, "c2", "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "workspace closed", res.Effects[0].Deflection, eventlog.DeflectWorkspaceClosed)
	call, err := host.Call(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "c1 still rings", call.Stage, eventlog.StageRinging)
}
