// Package baseline holds two reference implementations of the balanced
// assignment decision, built the way other open-source contact-center
// software makes it, so the engine in package assign can be measured
// against them:
//
//   - [Linear] scans every member of the queue for each decision, as
//     Asterisk's app_queue and OpenSIPS's call_center do for each call.
//   - [SQLite] keeps agents and tiers in SQL tables and runs one
//     ORDER BY ... LIMIT 1 query per decision, as FreeSWITCH's
//     mod_callcenter does.
//
// Both apply the engine's rules exactly (rule AS2 eligibility, rule AS3
// order), so on the same state they ring the same teammate; the tests in
// this package check that against the engine on random states.
package baseline
