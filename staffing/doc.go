// Package staffing answers "how many teammates does this queue need?" with
// the classic queueing formulas of contact-center planning: Erlang C
// (M/M/c: Poisson arrivals, exponential handle times, c teammates, callers
// who wait as long as it takes) and Erlang A (M/M/c+M: the same, with
// callers who hang up after an exponential patience).
//
// The figures are steady-state averages: the probability that a call
// waits ([WaitProbability]), the fraction answered within a target time
// ([ServiceLevel]), the mean wait ([MeanWait]), the fewest teammates that
// reach a service-level target ([AgentsFor]) and, with abandonment,
// the fractions of callers who wait and who hang up ([Abandonment]).
//
// # Units
//
// Arrivals are counted per hour and times are time.Duration, so the
// offered load in Erlangs is arrivalsPerHour × aht in hours: 340 calls an
// hour of 3 minutes each are 17 Erlangs, the number of teammates who would
// be busy on average.
//
// # Numerics
//
// Erlang C is computed from the Erlang B recursion
// B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), whose terms stay within
// [0, 1], so nothing overflows however many teammates there are (the
// textbook aᶜ/c! overflows a float64 from c = 171). A figure for c
// teammates costs O(c) time; AgentsFor costs O(answer). Erlang A sums a
// series of ratios that likewise never overflows.
//
// # Unusual input
//
// The functions never panic and never return an error: every input has a
// documented answer. A negative number of agents counts as zero; a
// negative or zero arrival rate or handle time is no load at all; a
// negative target time counts as zero. A NaN arrival rate gives NaN
// probabilities (and -1 from AgentsFor), so a broken input shows instead
// of passing for a plausible figure. When the load is at or above the
// number of agents the queue grows without bound: every call waits, none
// is answered within any fixed time, and the mean wait is unbounded.
//
// The functions are pure: safe for concurrent use, and they read no
// clock.
package staffing
