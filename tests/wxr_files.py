"""WordPress exports made for the import's tests and its measurement: a generated blog of any
size, and the broken and hostile files an import must refuse.

    python -m tests.wxr_files OUT.wxr 1000 50   # 1,000 posts with 50 comments each
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Generated blog</title>
<link>https://generated.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>https://generated.example.org</wp:base_blog_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login>writer</wp:author_login></wp:author>
"""
TAIL = "</channel>\n</rss>\n"


def _comment(cid: int, parent: int, when: datetime, n: int) -> str:
    return (f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
            f"<wp:comment_author>Guest {n % 40}</wp:comment_author>"
            f"<wp:comment_author_email>guest{n % 40}@generated-mail.example"
            f"</wp:comment_author_email>"
            f"<wp:comment_author_IP>10.{n % 250}.0.1</wp:comment_author_IP>"
            f"<wp:comment_date_gmt>{when:%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
            f"<wp:comment_content><![CDATA[<p>Comment {cid}: I remember that too, "
            f"<em>exactly</em> so. Thank you for putting it into words.</p>]]>"
            f"</wp:comment_content><wp:comment_approved>1</wp:comment_approved>"
            f"<wp:comment_type>comment</wp:comment_type>"
            f"<wp:comment_parent>{parent}</wp:comment_parent>"
            f"<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n")


def write_export(path: Path, posts: int, comments_per_post: int) -> Path:
    """A blog of `posts` published posts with `comments_per_post` comments each, threaded:
    every third comment answers the one before it."""
    start = datetime(2015, 1, 1, 12)
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        cid = 0
        for p in range(1, posts + 1):
            day = start + timedelta(days=p)
            out.write(f"<item><title>Post number {p}</title>"
                      f"<link>https://generated.example.org/{day:%Y/%m}/post-{p}/</link>"
                      f"<dc:creator>writer</dc:creator>"
                      f"<content:encoded><![CDATA[<p>The story of day {p}.</p>\n"
                      f"<p>{'It was a long time inside. ' * 40}</p>]]></content:encoded>"
                      f"<wp:post_id>{p}</wp:post_id>"
                      f"<wp:post_date_gmt>{day:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
                      f"<wp:comment_status>open</wp:comment_status>"
                      f"<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\n")
            first = cid + 1
            for n in range(comments_per_post):
                cid += 1
                parent = cid - 1 if n % 3 == 2 and cid > first else 0
                out.write(_comment(cid, parent, day + timedelta(hours=n + 1), n))
            out.write("</item>\n")
        out.write(TAIL)
    return path


def truncated(path: Path, source: Path) -> Path:
    """`source` cut off in the middle of its second post."""
    data = source.read_bytes()
    path.write_bytes(data[: data.index(b"<item>", data.index(b"<item>") + 1) + 200])
    return path


def billion_laughs(path: Path) -> Path:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n' + lol
                    + "]>\n" + HEAD.split("\n", 1)[1].replace(
                        "<title>Generated blog</title>", "<title>&lol9;</title>") + TAIL)
    return path


def external_entity(path: Path) -> Path:
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
                    '<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
                    + HEAD.split("\n", 1)[1]
                    + "<item><title>&secret;</title><wp:post_id>1</wp:post_id>"
                      "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                      "<content:encoded>x</content:encoded></item>\n" + TAIL)
    return path


if __name__ == "__main__":
    out, posts, per_post = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    write_export(out, posts, per_post)
    print(f"{out}: {posts} posts, {posts * per_post} comments, {out.stat().st_size:,} bytes")
