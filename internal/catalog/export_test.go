package catalog

import "io"

// SetRandom makes s draw IDs, codes and tokens from r.
func (s *Service) SetRandom(r io.Reader) { s.random = r }
