//go:build !unix

package server

// fileLimit is a conservative guess where the limit cannot be read.
func fileLimit() uint64 { return 1024 }
