module github.com/phonebalance/phonebalance/examples/simulate

go 1.26

require github.com/phonebalance/phonebalance v0.0.0

require (
	github.com/benbjohnson/clock v1.3.5 // indirect
	github.com/google/btree v1.1.3 // indirect
)

replace github.com/phonebalance/phonebalance => ../..
