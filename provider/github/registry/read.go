package registry

import "context"

// Need says what of the graph a statement reads beyond manifests.
type Need struct {
	// Platforms reads the config of each image no index describes.
	Platforms bool
	// Referrers asks the referrers API about every version a tag needs, for
	// in_use, signs and the guard.
	Referrers bool
}

// ReadGraph reads what the graph of one image's versions needs and builds
// it: every version's manifest, then as need asks, the referrers of the
// versions tags need (again for those it adds, until none is new: one
// request per digest at most) and the platforms no index tells. Any read
// that fails fails the whole: a graph on part of them would call needed
// versions garbage.
func (c *Client) ReadGraph(ctx context.Context, image string, versions []Version, need Need, tally *Tally) (*Graph, error) {
	digests := make([]string, len(versions))
	for i, v := range versions {
		digests[i] = v.Digest
	}
	ms, err := c.ReadManifests(ctx, image, digests, tally)
	if err != nil {
		return nil, err
	}
	g := Build(versions, ms, nil)
	if need.Referrers {
		referrers := map[string][]Referrer{}
		for {
			var ask []string
			for _, d := range g.Needed() {
				if _, asked := referrers[d]; !asked {
					ask = append(ask, d)
				}
			}
			if len(ask) == 0 {
				break
			}
			found, served, err := c.ReadReferrers(ctx, image, ask, tally)
			if err != nil {
				return nil, err
			}
			if !served {
				break
			}
			for _, d := range ask {
				referrers[d] = found[d]
				if referrers[d] == nil {
					referrers[d] = []Referrer{}
				}
			}
			g = Build(versions, ms, referrers)
		}
	}
	if need.Platforms {
		if err := c.ReadPlatforms(ctx, image, g.Unplaced(ms), tally); err != nil {
			return nil, err
		}
		g = Build(versions, ms, g.referrers)
	}
	return g, nil
}
