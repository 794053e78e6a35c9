"""Print the community role × action table from rules.py as Markdown (docs/permissions.md holds it)."""

from django.core.management.base import BaseCommand

from halqa.communities import rules


def markdown() -> str:
    roles = [str(role) for role in rules.ROLE_ORDER]
    lines = [
        "| action | " + " | ".join(roles) + " | school leaders | visitors |",
        "|---|" + "---|" * (len(roles) + 2),
    ]
    for action, allowed in rules.matrix():
        cells = ["yes" if ok else "—" for ok in allowed]
        leader = "yes" if action in rules.LEADER_ACTIONS or action == rules.SIGN_DECISION else "—"
        visitor = "yes" if action in rules.VISITOR_ACTIONS else "—"
        lines.append(f"| {rules.ACTION_LABELS[action]} | " + " | ".join(cells) + f" | {leader} | {visitor} |")
    reads = ", ".join(rules.ACTION_LABELS[action] for action in rules.ACTION_LABELS if action in rules.VISITOR_READS)
    weaker = [str(role) for role in rules.ROLE_ORDER if not rules.ROLE_ACTIONS[role] >= rules.VISITOR_READS]
    if weaker:  # the table breaks its own rule: say so where it is printed
        lines += ["", f"**Broken rule:** {', '.join(weaker)} read less than visitors."]
    else:
        lines += ["", f"Joining never shows less than visiting: every role may {reads}, as visitors may."]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the community role × action table (Markdown)."

    def handle(self, *args, **options):
        self.stdout.write(markdown(), ending="")
