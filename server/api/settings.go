package api

import (
	"net/http"

	pb "github.com/phonebalance/phonebalance"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// GET /settings: the workspace's settings as this node's engine holds
// them (before its first command, those it will be created with). Auto-answer, composition logging and the operating hours change
// with PUT /settings (the override alone with PUT /settings/override); the
// rest is fixed when the workspace is created.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	c := workspaceOf(r).EngineConfig()
	writeJSON(w, http.StatusOK, Settings{RingTimeoutMS: httpedge.Millis(c.RingTimeout),
		ExclusionPeriodMS: httpedge.Millis(c.ExclusionPeriod), CallLimit: c.CallLimit, WrapUpMS: httpedge.Millis(c.WrapUp),
		AutoAnswer: c.AutoAnswer, TestWorkspace: c.TestWorkspace, ShowTeamComposition: c.ShowTeamComposition,
		EndedCallRetentionMS: httpedge.Millis(c.EndedCallRetention), Hours: hoursOf(c.Hours)})
}

// GET /teams/{team}/settings: the team's queue limits and operating hours
// as this node's engine holds them; PUT /teams/{team}/settings replaces
// them (the override alone changes with PUT /teams/{team}/override).
func (s *Server) getTeamSettings(w http.ResponseWriter, r *http.Request) {
	answerFound(s, w, r, assign.ErrUnknownTeam, pb.TeamID(r.PathValue("team")),
		func(e *assign.Engine, id pb.TeamID) (TeamSettings, bool) {
			c, ok := e.TeamConfig(id)
			return TeamSettings{MaxQueue: c.MaxQueue, MaxWaitMS: httpedge.Millis(c.MaxWait),
				DeflectWhenNobodyOnline: c.DeflectWhenNobodyOnline, Hours: hoursOf(c.Hours)}, ok
		})
}
