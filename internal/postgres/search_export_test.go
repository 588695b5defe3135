package postgres

// WithWalk returns s with the title segment's walk bounded as said
// (searchWalkSizes), for tests on a catalogue too small for the real ones.
func (s *Search) WithWalk(glance, walk, dense int) *Search {
	return &Search{db: s.db, walk: searchWalkSizes{glance: glance, walk: walk, dense: dense}}
}
