package api

import (
	"net/http"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// GET /settings: the workspace's settings as this node's engine holds
// them. The operating hours' override changes with PUT
// /settings/override; the rest is the server's engine configuration.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	var c assign.Config
	if !s.view(func(e *assign.Engine) { c = e.Config() }) {
		c = s.rt.EngineConfig()
	}
	writeJSON(w, http.StatusOK, Settings{RingTimeoutMS: httpedge.Millis(c.RingTimeout),
		ExclusionPeriodMS: httpedge.Millis(c.ExclusionPeriod), CallLimit: c.CallLimit, WrapUpMS: httpedge.Millis(c.WrapUp),
		AutoAnswer: c.AutoAnswer, TestWorkspace: c.TestWorkspace, ShowTeamComposition: c.ShowTeamComposition,
		EndedCallRetentionMS: httpedge.Millis(c.EndedCallRetention), Hours: hoursOf(c.Hours)})
}
