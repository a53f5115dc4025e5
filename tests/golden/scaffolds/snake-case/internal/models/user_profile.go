// Scaffolded by lift dynamorm scaffold (preset crud). Edit freely: lift never
// overwrites this file without --force. Check it with: lift dynamorm inspect UserProfile

package models

import (
	"os"
	"time"
)

// UserProfile is a DynamORM model.
//
// Keys: partition key user_id (S).
type UserProfile struct {
	_         struct{}  `dynamorm:"naming:snake_case"`
	UserID    string    `dynamorm:"pk" json:"user_id"`
	CreatedAt time.Time `dynamorm:"created_at" json:"created_at"`
	UpdatedAt time.Time `dynamorm:"updated_at" json:"updated_at"`
}

// TableName is the DynamoDB table of UserProfile: $USER_PROFILE_TABLE_NAME. When the variable is empty,
// DynamORM falls back to the plural of the type name ("UserProfiles").
func (UserProfile) TableName() string {
	return os.Getenv("USER_PROFILE_TABLE_NAME")
}
