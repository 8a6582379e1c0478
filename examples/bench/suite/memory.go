package suite

import (
	"runtime"
	"strconv"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
)

// BytesPerTeammate returns the live heap an engine holds per teammate: the
// heap after adding n eligible teammates to one team, less the heap
// before, over n, each measured after a full collection. The IDs and
// names are made before the first measurement: they are the host's.
func BytesPerTeammate(n int) (float64, error) {
	ids := make([]pb.TeammateID, n)
	names := make([]string, n)
	for i := range ids {
		ids[i] = pb.TeammateID("tm-" + strconv.Itoa(i))
		names[i] = "Teammate " + strconv.Itoa(i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e, err := assign.New(assign.DefaultConfig())
	if err != nil {
		return 0, err
	}
	if err := e.AddTeam(Team, "Support", assign.TeamConfig{}); err != nil {
		return 0, err
	}
	st := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	for i, id := range ids {
		if err := e.AddTeammate(Epoch, id, names[i], st); err != nil {
			return 0, err
		}
		if err := e.AddMember(Epoch, Team, id); err != nil {
			return 0, err
		}
		e.Ready()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(e)
	runtime.KeepAlive(ids)
	runtime.KeepAlive(names)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n), nil
}
