//go:build race

package cooldown

const raceEnabled = true
