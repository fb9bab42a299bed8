//go:build !linux

package main

// hugePages is Linux-only (hugepages_linux.go).
func hugePages(int) {}
