"""The domain model; importing this package registers every table."""
from .accounts import ANONYMOUS, IMPORTED, PUBLIC, ROLES, Handle, User
from .account_email import PasswordReset, PendingEmail
from .bookmarks import Bookmark
from .contact import ContactMessage, Conversation
from .content import (
    DELETED,
    DRAFT,
    HELD,
    HIDDEN,
    PENDING,
    PUBLISHED,
    REFUSED,
    VISIBLE,
    AUDIENCE_CIRCLE,
    AUDIENCE_MEMBERS,
    AUDIENCE_PUBLIC,
    AUDIENCES,
    Board,
    BoardMember,
    Group,
    Post,
    Story,
    StoryRevision,
    Thread,
    story_groups,
)
from .groups import GroupAlias
from .imports import BlogUpload, ImportedComment, ImportedStory
from .jobs import JobLease
from .notifications import Follow, Notification
from .reading import ReadMark
from .reactions import KINDS as REACTION_KINDS, Corroboration, PostReaction, StoryReaction
from .moderation import REPORT_REASONS, Appeal, ModAction, Report, Suspension, Unmasking
from .shields import Ignore, StoryRestriction
from .site import Invitation, SiteSetting
from .submission_keys import SubmissionKey
from .two_step import RecoveryCode, TwoStepSecret
from .undo import DeletedPostText

__all__ = [
    "ANONYMOUS", "PUBLIC", "ROLES", "Handle", "User", "DELETED", "DRAFT", "HELD", "HIDDEN",
    "PENDING", "REFUSED", "PUBLISHED", "VISIBLE", "Board", "Group", "Post", "Story", "Thread",
    "story_groups",
    "REPORT_REASONS", "ModAction", "Report", "Suspension", "Unmasking", "StoryRevision", "Follow",
    "Notification", "StoryRestriction", "Ignore", "RecoveryCode", "TwoStepSecret",
    "PasswordReset", "PendingEmail", "Conversation", "ContactMessage", "Appeal",
    "AUDIENCE_CIRCLE", "AUDIENCE_MEMBERS", "AUDIENCE_PUBLIC", "AUDIENCES", "BoardMember",
    "GroupAlias", "Invitation", "SiteSetting", "DeletedPostText", "JobLease", "SubmissionKey",
    "ImportedStory", "ImportedComment", "IMPORTED", "BlogUpload", "ReadMark", "Bookmark",
    "REACTION_KINDS", "Corroboration", "PostReaction", "StoryReaction",
]
