package assign

import (
	"errors"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// An argument wrong in itself is refused before the engine advances: with
// a ring due before the command's time, a command naming an empty team,
// call or teammate fails with ErrInvalidArgument, and the engine's time,
// state and output are exactly as before (no miss fired, nothing logged).
// It covers every ID a command takes, for every op that takes one.
// Rule: AS5, X1
func TestEmptyIDsRefusedBeforeTheClockMoves(t *testing.T) {
	// Every op with the ID fields it reads, filled with valid-looking
	// values; each case below empties one of them.
	full := map[Op]Command{
		OpAddTeam:            {Team: "x"},
		OpSetTeamOverride:    {Team: "sup"},
		OpSetTeamConfig:      {Team: "sup"},
		OpAddTeammate:        {Teammate: "new", Presence: available()},
		OpRemoveTeammate:     {Teammate: "fay"},
		OpAddMember:          {Team: "sup", Teammate: "fay"},
		OpRemoveMember:       {Team: "sup", Teammate: "eve"},
		OpSetStatus:          {Teammate: "fay", Status: presence.Active},
		OpSetChannel:         {Teammate: "fay", Channel: presence.ChannelPhone},
		OpSetClient:          {Teammate: "fay", Open: true},
		OpSetReassignReplies: {Teammate: "fay", On: true},
		OpStartMessengerCall: {Teammate: "fay"},
		OpReportAssignment:   {Teammate: "fay"},
		OpPlaceCall:          {Call: "new"},
		OpQueueCall:          {Call: "route", Team: "sup"},
		OpArrive:             {Call: "new", Team: "sup"},
		OpAnswer:             {Call: "ring", Teammate: "cy"},
		OpDecline:            {Call: "ring", Teammate: "cy", Decline: eventlog.DeclineBusy},
		OpManualAnswer:       {Call: "wait", Teammate: "eve"},
		OpHold:               {Call: "talk"},
		OpResume:             {Call: "held"},
		OpTransfer:           {Call: "talk", Team: "sup"},
		OpBarge:              {Call: "talk", Teammate: "fay"},
		OpVoicemail:          {Call: "route"},
		OpRecordVoicemail:    {Call: "vm"},
		OpRequestCallback:    {Call: "wait"},
		OpForwardUnanswered:  {Call: "route"},
		OpEndCall:            {Call: "talk", By: eventlog.ByCustomer},
		OpPlaceOutbound:      {Call: "new", Teammate: "fay"},
		OpCustomerAnswered:   {Call: "out"},
	}
	// "ring" rings cy until badNow+30s; the commands come later.
	late := badNow.Add(31 * time.Second)
	cases := 0
	for _, op := range Ops() {
		base, ok := full[op]
		if !ok {
			continue
		}
		base.Op, base.At = op, late
		for _, field := range []string{"call", "team", "teammate"} {
			cmd := base
			switch {
			case field == "call" && cmd.Call != "":
				cmd.Call = ""
			case field == "team" && cmd.Team != "":
				cmd.Team = ""
			case field == "teammate" && cmd.Teammate != "":
				cmd.Teammate = ""
			default:
				continue
			}
			cases++
			t.Run(op.String()+"/empty "+field, func(t *testing.T) {
				e := badFixture(t, fixturePlain)
				before := snapshot(e)
				err := e.Apply(cmd)
				require.Error(t, err)
				require.True(t, errors.Is(err, ErrInvalidArgument), "got %v", err)
				require.Equal(t, badNow, e.Now(), "the engine advanced before refusing")
				require.Equal(t, before, snapshot(e))
				require.True(t, e.Ready().Empty(), "a refused command fired a deadline")
			})
		}
	}
	require.Greater(t, cases, 35)
}
