// Package testprovider is a small provider over generated data, for the tests
// of the host's engine and shell: a shop's items and their reviews. It is a
// real provider.Provider — routes, paging, mutations, a guarded DELETE, rate
// limits and errors — whose rows are plain Go values, so a test can derive
// every expected answer from the data without the engine and count the calls
// it was sent.
package testprovider

import "github.com/pkgql/pkgql/schema"

// Categories are the values the category param accepts.
var Categories = []string{"books", "games", "music", "tools", "toys", "food"}

// Visibilities are the values the visibility param accepts.
var Visibilities = []string{"public", "private", "internal"}

// declaration is the provider's schema: shop.store.items and shop.store.reviews.
func declaration() *schema.Provider {
	shop := schema.Param{Name: "shop", Type: schema.String, Description: "The shop's handle."}
	category := schema.Param{Name: "category", Type: schema.String, Enum: Categories, Field: "category",
		Description: "The category an item is listed in."}
	return &schema.Provider{
		Name:        "shop",
		Version:     "v1.0.0",
		Description: "A shop's items and reviews, generated for tests.",
		Services: []schema.Service{{
			Name:        "store",
			Title:       "Store",
			Description: "Items and their reviews.",
			Resources:   []schema.Resource{items(shop, category), reviews(shop, category)},
		}},
	}
}

func items(shop, category schema.Param) schema.Resource {
	const one = "/shops/{shop}/items/{category}/{item_name}"
	return schema.Resource{
		Name:        "items",
		Title:       "A shop's items",
		Description: "The items a shop lists, one category at a time.",
		Fields: []schema.Field{
			{Name: "id", Type: schema.Integer, Description: "Unique identifier of the item."},
			{Name: "name", Type: schema.String, Description: "The item's name; some hold a slash."},
			{Name: "category", Type: schema.String, Description: "The item's category."},
			{Name: "price", Type: schema.Integer, Description: "The price in cents; 0 for a free item."},
			{Name: "visibility", Type: schema.String, Description: "public, private or internal."},
			{Name: "in_stock", Type: schema.Boolean, Description: "Whether the item is in stock: one in stock cannot be deleted."},
			{Name: "created_at", Type: schema.String, Format: schema.DateTime, Description: "When the item was listed."},
			{Name: "updated_at", Type: schema.String, Format: schema.DateTime, Description: "When the item last changed."},
			{Name: "maker", Type: schema.Object, Description: "Who makes the item: an object with its login."},
			{Name: "details", Type: schema.Object, Description: "The item's details (full_name, private), or null."},
		},
		Params: []schema.Param{
			shop,
			category,
			{Name: "item_name", Type: schema.String, Field: "name", Description: "The item's name."},
			{Name: "visibility", Type: schema.String, Enum: Visibilities,
				Description: "Lists only the items of this visibility."},
			{Name: "token", Type: schema.String, Secret: true, Description: "A restore token; never shown."},
			{Name: "brand", Type: schema.String, Description: "The maker's login: lists its items instead of a shop's."},
		},
		Methods: []schema.Method{
			{Name: "get_item", Verb: schema.Select, Unique: true, Points: 1,
				Required:    []string{"category", "item_name", "shop"},
				Excludes:    []string{"brand"},
				Route:       schema.Route{Verb: "GET", Path: one},
				Scopes:      []string{"read"},
				DocURL:      "https://shop.example/api#get-item",
				Description: "Gets one item."},
			{Name: "list_items", Verb: schema.Select, Points: 1,
				Required: []string{"category", "shop"},
				Optional: []string{"visibility"},
				Excludes: []string{"brand"},
				Route: schema.Route{Verb: "GET", Path: "/shops/{shop}/items", Paged: true, Query: []schema.Query{
					{Name: "category", Param: "category"}, {Name: "visibility", Param: "visibility"}}},
				Scopes:      []string{"read"},
				DocURL:      "https://shop.example/api#list-items",
				Description: "Lists a shop's items of one category, 100 a page."},
			{Name: "list_items_by_brand", Verb: schema.Select, Points: 1,
				Required: []string{"brand", "category"},
				Optional: []string{"visibility"},
				Excludes: []string{"shop"},
				Route: schema.Route{Verb: "GET", Path: "/brands/{brand}/items", Paged: true, Query: []schema.Query{
					{Name: "category", Param: "category"}, {Name: "visibility", Param: "visibility"}}},
				Scopes:      []string{"read"},
				Description: "Lists the items a brand makes, of one category, 100 a page: the same rows as its shop's listing."},
			{Name: "delete_item", Verb: schema.Delete, Points: 5, UndoneBy: "restore_item",
				Required:    []string{"category", "item_name", "shop"},
				Route:       schema.Route{Verb: "DELETE", Path: one},
				Scopes:      []string{"read", "delete"},
				DocURL:      "https://shop.example/api#delete-item",
				Caveat:      "An item in stock cannot be deleted.",
				Description: "Deletes an item that is out of stock; restore_item brings it back."},
			{Name: "restore_item", Verb: schema.Exec, Points: 5,
				Required:    []string{"category", "item_name", "shop"},
				Optional:    []string{"token"},
				Route:       schema.Route{Verb: "POST", Path: one + "/restore", Query: []schema.Query{{Name: "token", Param: "token"}}},
				Scopes:      []string{"read", "write"},
				DocURL:      "https://shop.example/api#restore-item",
				Description: "Restores a deleted item."},
		},
	}
}

func reviews(shop, category schema.Param) schema.Resource {
	const one = "/shops/{shop}/items/{category}/{item_name}/reviews/{review_id}"
	return schema.Resource{
		Name:        "reviews",
		Title:       "An item's reviews",
		Description: "The reviews of one item.",
		Fields: []schema.Field{
			{Name: "id", Type: schema.Integer, Description: "Unique identifier of the review."},
			{Name: "item_name", Type: schema.String, Description: "The item reviewed."},
			{Name: "category", Type: schema.String, Description: "The item's category."},
			{Name: "stars", Type: schema.Integer, Description: "1 to 5."},
			{Name: "verified", Type: schema.Boolean, Description: "Whether the reviewer bought the item."},
			{Name: "pinned", Type: schema.Boolean, Description: "A pinned review is kept by every DELETE."},
			{Name: "body", Type: schema.String, Description: "The review's text."},
			{Name: "created_at", Type: schema.String, Format: schema.DateTime, Description: "When the review was written."},
		},
		Params: []schema.Param{
			shop,
			category,
			{Name: "item_name", Type: schema.String, Field: "item_name", Description: "The item's name."},
			{Name: "review_id", Type: schema.Integer, Field: "id", Description: "The review's id."},
			{Name: "min_stars", Type: schema.Integer, Description: "Lists only the reviews with at least this many stars."},
		},
		Methods: []schema.Method{
			{Name: "get_review", Verb: schema.Select, Unique: true, Points: 1,
				Required:    []string{"category", "item_name", "review_id", "shop"},
				Route:       schema.Route{Verb: "GET", Path: one},
				Description: "Gets one review."},
			{Name: "list_reviews", Verb: schema.Select, Points: 1,
				Required: []string{"category", "item_name", "shop"},
				Optional: []string{"min_stars"},
				Route: schema.Route{Verb: "GET", Path: "/shops/{shop}/items/{category}/{item_name}/reviews", Paged: true,
					Query: []schema.Query{{Name: "min_stars", Param: "min_stars"}}},
				Description: "Lists an item's reviews, 100 a page."},
			{Name: "delete_review", Verb: schema.Delete, Points: 5, Guarded: true, UndoneBy: "restore_review",
				Required:    []string{"category", "item_name", "review_id", "shop"},
				Route:       schema.Route{Verb: "DELETE", Path: one},
				Caveat:      "A pinned review is kept.",
				Description: "Deletes a review; the statement's pinned reviews are kept."},
			{Name: "restore_review", Verb: schema.Exec, Points: 5,
				Required:    []string{"category", "item_name", "review_id", "shop"},
				Route:       schema.Route{Verb: "POST", Path: one + "/restore"},
				Description: "Restores a deleted review."},
		},
	}
}
