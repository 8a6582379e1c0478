module github.com/phonebalance/phonebalance

go 1.26

require (
	github.com/benbjohnson/clock v1.3.5 // indirect
	github.com/google/btree v1.1.3 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
