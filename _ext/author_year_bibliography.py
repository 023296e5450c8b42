"""Reference list labelled as the text cites it: "Bonnet et al., 2021", not "[BCFH21]".

sphinxcontrib-bibtex labels the list with the pybtex style's labels (alpha: [BCFH21]) even
when the citations in the text are author-year. This registers a pybtex formatting style,
``author_year``, whose labels are "Author, year", "Author and Other, year" or
"Author et al., year", and whose entries add an arXiv link when the entry has an eprint.
"""

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [" ".join(p.last_names) for p in people]
            if not names:
                who = entry.fields.get("key", entry.key)
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            yield f"{who}, {entry.fields.get('year', 'n.d.')}".replace("{", "").replace("}", "")


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "author_year"
    default_sorting_style = "author_year_title"

    def format_entry(self, label, entry, bib_data=None):
        formatted = super().format_entry(label, entry, bib_data=bib_data)
        eprint = entry.fields.get("eprint")
        if eprint and entry.fields.get("archiveprefix", "arXiv").lower() == "arxiv":
            from pybtex.richtext import HRef

            formatted.text = Text(
                formatted.text, " ", HRef(f"https://arxiv.org/abs/{eprint}", f"arXiv:{eprint}"), "."
            )
        return formatted


register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)


def setup(app):
    return {"parallel_read_safe": True, "parallel_write_safe": True}
