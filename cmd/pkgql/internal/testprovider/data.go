package testprovider

import (
	"encoding/json"
	"fmt"
	"time"
)

// Item is one row of shop.store.items, as the provider holds it.
type Item struct {
	ID         int64
	Shop       string
	Name       string
	Category   string
	Price      int64
	Visibility string
	InStock    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Linked items have details; the others' details are null.
	Linked  bool
	Deleted bool
	Reviews []*Review
}

// Review is one row of shop.store.reviews.
type Review struct {
	ID        int64
	Stars     int64
	Verified  bool
	Pinned    bool
	Body      string
	CreatedAt time.Time
	Deleted   bool
}

// Maker is the item's maker field.
func (it *Item) Maker() json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"login":%q,"type":"Organization"}`, it.Shop))
}

// Details is the item's details field: nil (null) when it is not linked.
func (it *Item) Details() json.RawMessage {
	if !it.Linked {
		return nil
	}
	return json.RawMessage(fmt.Sprintf(`{"full_name":%q,"private":%v}`, it.Shop+"/"+it.Name, it.Visibility != "public"))
}

// Shop seeds one shop: Items items in every category, or the default
// counts when Items is 0.
type Shop struct {
	Name  string
	Items int
}

// DefaultShops are the shops a provider holds when Options names none.
var DefaultShops = []Shop{{Name: "north"}, {Name: "south"}, {Name: "east"}}

// names are the first items' names in every shop and category, so that
// shops share names; later items are item-N. "tools/hammer" holds a slash.
var names = []string{"atlas", "beacon", "tools/hammer", "compass", "drum", "easel", "flute", "globe", "harp", "inkwell", "jigsaw", "kite"}

// defaultCount is how many items a default shop lists in a category: some
// have none, none has more than a page.
func defaultCount(shop, cat int) int {
	return []int{9, 12, 5, 0, 7, 11}[(cat+shop)%6]
}

var epoch = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)

// generate makes the shops' items and reviews: the same for the same seeds.
func generate(shops []Shop) map[string]map[string][]*Item {
	out := map[string]map[string][]*Item{}
	for s, sh := range shops {
		out[sh.Name] = map[string][]*Item{}
		for c, cat := range Categories {
			n := sh.Items
			if n == 0 {
				n = defaultCount(s, c)
			}
			list := make([]*Item, n)
			for i := range n {
				list[i] = item(s, sh.Name, c, cat, i)
			}
			out[sh.Name][cat] = list
		}
	}
	return out
}

func item(s int, shop string, c int, cat string, i int) *Item {
	name := fmt.Sprintf("item-%d", i)
	if i < len(names) {
		name = names[i]
	}
	// 1009 is prime, so creation times are distinct within a category and
	// not in listing order.
	hours := (i*7919%1009)*50 + i/1009*50*1009 + c*13 + s*5
	created := epoch.Add(time.Duration(hours) * time.Hour)
	price := int64((i*37 + s*11 + c*5) % 50)
	if price%7 == 0 {
		price = 0
	}
	vis := "public"
	switch (i + s) % 5 {
	case 1, 3:
		vis = "private"
	case 4:
		vis = "internal"
	}
	it := &Item{
		ID:         int64(s+1)*1_000_000 + int64(c)*100_000 + int64(i) + 1,
		Shop:       shop,
		Name:       name,
		Category:   cat,
		Price:      price,
		Visibility: vis,
		InStock:    (i+c)%3 == 0,
		CreatedAt:  created,
		UpdatedAt:  created.Add(time.Duration(i%30) * 24 * time.Hour),
		Linked:     i%4 != 3,
	}
	for j := range (i + c + s) % 4 {
		it.Reviews = append(it.Reviews, &Review{
			ID:        it.ID*10 + int64(j),
			Stars:     int64(1 + (j*3+i)%5),
			Verified:  j%2 == 0,
			Pinned:    j == 0 && i%3 == 0,
			Body:      fmt.Sprintf("review %d of %s", j+1, name),
			CreatedAt: created.Add(time.Duration(j+1) * 24 * time.Hour),
		})
	}
	return it
}
