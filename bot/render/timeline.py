"""A list answer → PNG timelines: months across, one lane per organisation (per type when one organisation
is asked for), every model a labelled marker, open weights and closed told apart by colour and shape.

Drawing has two steps. ``plan`` is pure arithmetic in pixels: it measures every label with the font it will
be drawn in and packs each lane's labels into rows, so that no label touches another label or a marker,
and decides how many pictures the selection needs. ``draw`` turns one planned page into a matplotlib
figure of figure-level artists placed in picture pixels (y downwards), so what was planned is what is drawn.

A selection too large for one picture readable on a phone (1280 × at most 1800 px) is split by time into up
to ``MAX_PAGES`` pictures; beyond that it is summarised per month. Only matplotlib's object-oriented API is used, with the Agg canvas: no pyplot, so no global figure
registry that a long-running server would have to remember to close.
"""

import io
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, get_font
from matplotlib.ft2font import FT2Font, LoadFlags
from matplotlib.lines import Line2D
from matplotlib.transforms import Affine2D
from PIL import Image

from bot.engine import Answer
from bot.engine.filters import month_range
from bot.engine.normalize import Lang
from bot.kb.schema import Milestone, Model
from bot.render.cards import _describe_filters
from bot.render.i18n import MONTHS, TYPES, tr

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "AlmanacNotoSansSC-Regular.ttf"
BOLD = FONTS / "AlmanacNotoSansSC-Bold.ttf"

DPI = 100
WIDTH = 1280  # px: about a phone screen's width at 3x, so labels show at their size when opened
MAX_HEIGHT = 1800  # px: Telegram keeps up to 2560; taller ones shrink in the chat and scroll on and on
MAX_PAGES = 4  # pictures per answer; a larger selection is summarised per month
MAX_LANES = 24  # more lanes than that: the smallest become one "others" lane
MAX_LABEL = 340  # px: longer model names are cut with "…"
MAX_NOTE = 150  # px: the milestone that dates a model ("GA", "open weights on Hugging Face") is cut sooner

LABEL_PT, LANE_PT, MONTH_PT, TITLE_PT, SUBTITLE_PT, FOOT_PT = 14.0, 14.0, 14.0, 24.0, 15.0, 11.0
ROW = 30  # px per row of labels
LANE_PAD = 6  # px above and below a lane's rows
MARKER = 6.0  # px: half the marker's width
GAP = 5  # px between a marker and its label
SPACING = 24  # px between one label's end and the next marker in the same row
SIDE = 24  # px: outer margins
HEADER = 124  # px: title, subtitle, legend and month names above the lanes
FOOTER = 34  # px below the lanes

OPEN_COLOUR, CLOSED_COLOUR = "#0072B2", "#D55E00"  # Okabe–Ito blue and vermillion: safe for colour blindness
OPEN_MARKER, CLOSED_MARKER = "o", "D"
INK, MUTED, GRID, SHADE = "#1f2328", "#656d76", "#d0d7de", "#eef1f5"  # octree-safe: SHADE stays apart from white


_DRAWING = threading.Lock()
# Unhinted glyphs: twice as fast to lay out as the autohinter's, and no visible loss at these sizes.
_RC = {"text.hinting": "no_hinting"}


@contextmanager
def drawing() -> Iterator[None]:
    """One picture at a time (matplotlib is not thread-safe), with the settings the text was measured in."""
    with _DRAWING, rc_context(_RC):
        yield


# -- fonts and measuring ------------------------------------------------------------------------------------


def font(size: float, bold: bool = False) -> FontProperties:
    """The bundled font (a subset of Noto Sans SC, SIL OFL) at ``size`` points: a fresh machine has none."""
    return FontProperties(fname=BOLD if bold else REGULAR, size=size)


@lru_cache(maxsize=16384)
def text_width(value: str, size: float, bold: bool = False) -> float:
    """The drawn width of ``value`` in pixels, measured as the Agg renderer measures it (unhinted)."""
    face = get_font(BOLD if bold else REGULAR)
    face.clear()
    face.set_size(size, DPI)
    face.set_text(value, 0.0, flags=LoadFlags.NO_HINTING)
    width, _ = face.get_width_height()
    return width / 64  # FreeType measures in 1/64 pixel


@cache
def character_map() -> frozenset[int]:
    """Every code point both bundled fonts draw (the regular and bold cuts share one character set)."""
    regular, bold = (frozenset(FT2Font(str(path)).get_charmap()) for path in (REGULAR, BOLD))
    return regular & bold


def missing_glyphs(value: str) -> set[str]:
    """Characters of ``value`` the bundled font cannot draw (they would show as empty boxes)."""
    have = character_map()
    return {c for c in value if not c.isspace() and ord(c) not in have}


def fit(value: str, size: float, limit: float, bold: bool = False) -> str:
    """``value`` cut with "…" so that it is at most ``limit`` pixels wide."""
    if text_width(value, size, bold) <= limit:
        return value
    while len(value) > 1 and text_width(value + "…", size, bold) > limit:
        value = value[:-1]
    return value.rstrip() + "…"


# -- what goes where ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One model as the picture shows it: its lane, its day, its label."""

    model: Model
    day: date
    lane: str
    label: str


@dataclass(frozen=True, slots=True)
class Placed:
    """An item with its pixels: the marker's centre, and the label's anchor (left of it when ``flipped``)."""

    item: Item
    x: float
    y: float
    label_x: float
    flipped: bool


@dataclass(frozen=True, slots=True)
class Lane:
    title: str
    top: float
    height: float
    rows: int


@dataclass(frozen=True, slots=True)
class Page:
    """One picture: the months it covers and everything placed on it. ``counts`` is set for a per-month
    summary (lane → month → (open, closed)) instead of ``placed``."""

    first: int
    last: int
    left: float
    lanes: tuple[Lane, ...]
    height: int
    placed: tuple[Placed, ...] = ()
    counts: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)
    number: int = 1
    pages: int = 1

    @property
    def summary(self) -> bool:
        return bool(self.counts)

    def x_of(self, day: date) -> float:
        start, end = month_range(self.first, self.last)
        span = (end - start).days + 1
        return self.left + ((day - start).days + 0.5) / span * (WIDTH - SIDE - self.left)

    def month_edges(self) -> list[tuple[int, float, float]]:
        """(month, left x, right x) of every month column."""
        edges = []
        for month in range(self.first, self.last + 1):
            start, end = month_range(month)
            edges.append((month, self.x_of(start) - self._half_day(), self.x_of(end) + self._half_day()))
        return edges

    def _half_day(self) -> float:
        start, end = month_range(self.first, self.last)
        return (WIDTH - SIDE - self.left) / ((end - start).days + 1) / 2


def _day(model: Model, answer: Answer) -> Milestone:
    """Where a model stands: its first step inside the time filter, else its first step in the year."""
    if answer.filters.start is not None:
        return answer.filters.steps_in_range(model)[0]
    return (model.dates_in_year or model.dates)[0]


def _lane_title(key: str, answer: Answer, by_type: bool) -> str:
    if by_type:
        return TYPES.get(key, {}).get(answer.lang, key)
    return answer.vendor_names.get(key, key) if answer.lang == "zh" else key


def items(answer: Answer) -> list[Item]:
    """The answer's models as items: lanes by organisation, or by type when one organisation was asked for.
    Lanes come from the data (any vendor, any type); beyond ``MAX_LANES`` the smallest share one lane."""
    by_type = len(answer.filters.vendors) == 1
    keys = [m.type if by_type else m.vendor for m in answer.models]
    ranked = [key for key, _ in sorted(Counter(keys).items(), key=lambda pair: (-pair[1], pair[0]))]
    kept = set(ranked if len(ranked) <= MAX_LANES else ranked[: MAX_LANES - 1])
    others = tr("tl_others", answer.lang)
    result = []
    for model, key in zip(answer.models, keys, strict=True):
        step = _day(model, answer)
        note = "" if step.is_release else f" ({fit(step.stage(answer.lang), LABEL_PT, MAX_NOTE)})"
        lane = _lane_title(key, answer, by_type) if key in kept else others
        # the shared lane does not say whose model it is: the label does, and that is never cut
        whose = "" if key in kept else f" · {_lane_title(model.vendor, answer, by_type=False)}"
        label = fit(model.name + note, LABEL_PT, MAX_LABEL - text_width(whose, LABEL_PT)) + whose
        result.append(Item(model, step.date, lane, label))
    return result


def _lane_order(all_items: Sequence[Item], others: str) -> list[str]:
    """Largest lanes first; the shared "others" lane last."""
    counted = Counter(item.lane for item in all_items)
    return sorted(counted, key=lambda lane: (lane == others, -counted[lane], lane))


def _left_margin(lanes: Iterable[str]) -> float:
    widest = max((text_width(lane, LANE_PT, bold=True) for lane in lanes), default=0.0)
    return SIDE + min(max(widest, 80.0), 220.0) + 16


def _pack(page: Page, lane_items: list[Item], top: float) -> tuple[list[Placed], int]:
    """Pack one lane's labels into as few rows as possible (greedy by left edge: optimal for intervals).
    A label goes right of its marker, or left of it where it would leave the picture."""
    boxes = []
    for item in lane_items:
        x = page.x_of(item.day)
        width = text_width(item.label, LABEL_PT)
        flipped = x + MARKER + GAP + width > WIDTH - SIDE / 2
        left = x - MARKER - GAP - width if flipped else x - MARKER
        right = x + MARKER if flipped else x + MARKER + GAP + width
        boxes.append((left, right, x, flipped, item))
    boxes.sort(key=lambda box: (box[0], box[1]))
    row_ends: list[float] = []
    placed = []
    for left, right, x, flipped, item in boxes:
        row = next((r for r, end in enumerate(row_ends) if end + SPACING <= left), len(row_ends))
        if row == len(row_ends):
            row_ends.append(right)
        else:
            row_ends[row] = right
        y = top + LANE_PAD + row * ROW + ROW / 2
        label_x = x - MARKER - GAP if flipped else x + MARKER + GAP
        placed.append(Placed(item, x, y, label_x, flipped))
    return placed, len(row_ends)


def _page(all_items: Sequence[Item], first: int, last: int, order: list[str]) -> Page:
    start, end = month_range(first, last)
    chosen = [item for item in all_items if start <= item.day <= end]
    lanes_here = [lane for lane in order if any(item.lane == lane for item in chosen)]
    page = Page(first, last, _left_margin(lanes_here), (), 0)
    lanes, placed, top = [], [], float(HEADER)
    for lane in lanes_here:
        lane_placed, rows = _pack(page, [item for item in chosen if item.lane == lane], top)
        height = rows * ROW + 2 * LANE_PAD
        lanes.append(Lane(lane, top, height, rows))
        placed.extend(lane_placed)
        top += height
    return replace(page, lanes=tuple(lanes), placed=tuple(placed), height=math.ceil(top + FOOTER))


def _summary(all_items: Sequence[Item], first: int, last: int, order: list[str]) -> Page:
    """Counts per lane and month (open, closed): readable whatever the size of the selection."""
    counts: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for item in all_items:
        counts[item.lane][item.day.month][0 if item.model.open_weights else 1] += 1
    page = Page(first, last, _left_margin(order), (), 0)
    lanes = tuple(Lane(lane, HEADER + i * (ROW + 2 * LANE_PAD), ROW + 2 * LANE_PAD, 1) for i, lane in enumerate(order))
    frozen = {lane: {month: (pair[0], pair[1]) for month, pair in months.items()} for lane, months in counts.items()}
    return replace(page, lanes=lanes, counts=frozen, height=math.ceil(lanes[-1].top + lanes[-1].height + FOOTER))


def _chunks(first: int, last: int) -> list[list[tuple[int, int]]]:
    """Ways to cut the months into 1 … ``MAX_PAGES`` consecutive spans, fewest pictures first."""
    months = last - first + 1
    ways: list[list[tuple[int, int]]] = []
    for pieces in range(1, MAX_PAGES + 1):
        size = math.ceil(months / pieces)
        way = [(m, min(m + size - 1, last)) for m in range(first, last + 1, size)]
        if way not in ways:
            ways.append(way)
    return ways


def plan(answer: Answer) -> tuple[Page, ...]:
    """The pages a list answer needs: none for no model, one if it fits, else split by time, else a
    per-month summary."""
    if not answer.models:
        return ()
    all_items = items(answer)
    order = _lane_order(all_items, tr("tl_others", answer.lang))
    if answer.filters.start is not None and answer.filters.end is not None:
        first, last = answer.filters.start.month, answer.filters.end.month
    else:
        first, last = 1, 12
    pages: tuple[Page, ...] = ()
    for way in _chunks(first, last):
        pages = tuple(p for a, b in way if (p := _page(all_items, a, b, order)).lanes)
        if all(p.height <= MAX_HEIGHT for p in pages):
            break
    else:
        pages = (_summary(all_items, first, last, order),)
    return tuple(replace(p, number=i, pages=len(pages)) for i, p in enumerate(pages, 1))


# -- words ----------------------------------------------------------------------------------------------------


def month_name(month: int, lang: Lang) -> str:
    return MONTHS[lang][month - 1]


def span_name(first: int, last: int, lang: Lang) -> str:
    if first == last:
        return month_name(first, lang)
    return tr("tl_span", lang, first=month_name(first, lang), last=month_name(last, lang))


def describe(answer: Answer) -> str:
    """What was asked for, without the dates (the picture shows its months)."""
    undated = replace(answer, filters=replace(answer.filters, start=None, end=None))
    return _describe_filters(undated)


def counts_line(models: Sequence[Model], lang: Lang) -> str:
    """How many, and how many open and closed when there are both."""
    opened = sum(m.open_weights for m in models)
    if opened in (0, len(models)):
        return tr("tl_total", lang, total=len(models), s="" if len(models) == 1 else "s")
    return tr("tl_counts", lang, total=len(models), open=opened, closed=len(models) - opened)


def caption(answer: Answer, page: Page) -> str:
    """The plain-text caption of one picture: what, which months, how many (open / closed)."""
    lang = answer.lang
    start, end = month_range(page.first, page.last)
    shown = [m for m in answer.models if start <= _day(m, answer).date <= end]
    parts = [tr("tl_title", lang)]
    if what := describe(answer):
        parts.append(what)
    parts.append(span_name(page.first, page.last, lang))
    line = " · ".join(parts) + "\n" + counts_line(shown, lang)
    if page.summary:
        line += "\n" + tr("tl_summary_note", lang)
    if page.pages > 1:
        line += "\n" + tr("tl_page", lang, n=page.number, pages=page.pages)
    return line


# -- drawing --------------------------------------------------------------------------------------------------


class Canvas:
    """Figure-level artists in picture pixels, y pointing down. No axes: a page needs no data limits,
    ticks or clipping, and skipping them halves the time to draw one."""

    def __init__(self, height: int) -> None:
        # a quarter pixel more, or 1706 / 100 * 100 rounds down to a picture of 1705 pixels
        self.figure = Figure(figsize=(WIDTH / DPI, (height + 0.25) / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.figure)
        self.pixels = Affine2D().scale(1, -1).translate(0, height)

    def text(self, x: float, y: float, value: str, size: float, colour: str = INK, bold: bool = False,
             ha: str = "left", va: str = "baseline") -> None:  # fmt: skip
        self.figure.text(x, y, value, transform=self.pixels, fontproperties=font(size, bold), color=colour,
                         ha=ha, va=va, zorder=4)  # fmt: skip

    def markers(self, xs: Sequence[float], ys: Sequence[float], is_open: bool) -> None:
        """Open weights: blue circles; closed: vermillion diamonds (shape and colour both tell)."""
        if xs:
            shape, colour = (OPEN_MARKER, OPEN_COLOUR) if is_open else (CLOSED_MARKER, CLOSED_COLOUR)
            size = 2 * MARKER * 72 / DPI * (1.0 if is_open else 0.85)  # a diamond looks larger than a circle
            self.figure.add_artist(Line2D(xs, ys, transform=self.pixels, linestyle="none", marker=shape,
                                          markersize=size, markerfacecolor=colour, markeredgewidth=0, zorder=3))  # fmt: skip

    def rectangles(self, boxes: Sequence[tuple[float, float, float, float]], colours: Sequence[str]) -> None:
        """Filled (left, top, right, bottom) boxes, all in one collection."""
        if boxes:
            corners = [[(a, b), (c, b), (c, d), (a, d)] for a, b, c, d in boxes]
            collection = PolyCollection(corners, facecolors=colours, linewidths=0, transform=self.pixels, zorder=0)
            self.figure.add_artist(collection)

    def rules(self, ys: Iterable[float], left: float, right: float) -> None:
        segments = [[(left, y), (right, y)] for y in ys]
        self.figure.add_artist(LineCollection(segments, colors=GRID, linewidths=1, transform=self.pixels, zorder=1))


def draw(answer: Answer, page: Page) -> Figure:
    """The figure of one planned page."""
    lang = answer.lang
    canvas = Canvas(page.height)
    bottom = page.lanes[-1].top + page.lanes[-1].height
    edges = page.month_edges()
    canvas.rectangles([(a, HEADER - 40, b, bottom) for month, a, b in edges if month % 2 == 0], [SHADE])
    for month, left, right in edges:
        canvas.text((left + right) / 2, HEADER - 14, month_name(month, lang), MONTH_PT, MUTED, bold=True, ha="center")
    canvas.rules([lane.top for lane in page.lanes] + [bottom], SIDE, WIDTH - SIDE / 2)
    for lane in page.lanes:
        total = f" {sum(map(sum, page.counts[lane.title].values()))}" if page.summary else ""
        title = fit(lane.title, LANE_PT, page.left - SIDE - 16 - text_width(total, LANE_PT, True), bold=True) + total
        canvas.text(
            page.left - 16, lane.top + lane.height / 2, title, LANE_PT, bold=True, ha="right", va="center_baseline"
        )
    if page.summary:
        _draw_counts(canvas, page)
    else:
        _draw_items(canvas, page.placed)
    _draw_header(canvas, answer, page)
    foot = tr("tl_footer", lang)
    if page.pages > 1:
        foot += " · " + tr("tl_page", lang, n=page.number, pages=page.pages)
    canvas.text(SIDE, page.height - 12, foot, FOOT_PT, MUTED)
    return canvas.figure


def _draw_items(canvas: Canvas, placed: Sequence[Placed]) -> None:
    for is_open in (True, False):
        group = [p for p in placed if p.item.model.open_weights is is_open]
        canvas.markers([p.x for p in group], [p.y for p in group], is_open)
    for p in placed:
        canvas.text(p.label_x, p.y, p.item.label, LABEL_PT, ha="right" if p.flipped else "left", va="center_baseline")


def _draw_counts(canvas: Canvas, page: Page) -> None:
    """Per lane and month, one small square per model (open ones first, in their colour): counts up to a
    few dozen read at a glance and cost no text to draw; a cell with more models than squares fit shows the
    number instead."""
    side, pitch = 8.0, 11.0
    boxes: list[tuple[float, float, float, float]] = []
    colours: list[str] = []
    for lane in page.lanes:
        for month, left, right in page.month_edges():
            opened, closed = page.counts.get(lane.title, {}).get(month, (0, 0))
            per_row = int((right - left - 8) // pitch)
            rows = int((lane.height - 2 * LANE_PAD + pitch - side) // pitch)
            if opened + closed > per_row * rows:
                canvas.text((left + right) / 2, lane.top + lane.height / 2, str(opened + closed), LABEL_PT,
                            ha="center", va="center_baseline")  # fmt: skip
                continue
            top = lane.top + (lane.height - (min(rows, -(-(opened + closed) // per_row)) * pitch - pitch + side)) / 2
            for n, colour in enumerate([OPEN_COLOUR] * opened + [CLOSED_COLOUR] * closed):
                x, y = left + 6 + (n % per_row) * pitch, top + (n // per_row) * pitch
                boxes.append((x, y, x + side, y + side))
                colours.append(colour)
    canvas.rectangles(boxes, colours)


def _draw_header(canvas: Canvas, answer: Answer, page: Page) -> None:
    lang = answer.lang
    canvas.text(SIDE, 44, tr("tl_title", lang), TITLE_PT, bold=True)
    start, end = month_range(page.first, page.last)
    shown = [p.item.model for p in page.placed] or [m for m in answer.models if start <= _day(m, answer).date <= end]
    # the legend, right-aligned on the title's line (only the kinds this picture shows): ● open   ◆ closed
    right: float = WIDTH - SIDE
    for is_open, label in ((False, tr("tl_legend_closed", lang)), (True, tr("tl_legend_open", lang))):
        if not any(m.open_weights is is_open for m in shown):
            continue
        canvas.text(right, 38, label, SUBTITLE_PT, ha="right", va="center_baseline")
        right -= text_width(label, SUBTITLE_PT) + GAP + MARKER
        if page.summary:  # the summary's squares
            canvas.rectangles([(right - 4, 34, right + 4, 42)], [OPEN_COLOUR if is_open else CLOSED_COLOUR])
        else:
            canvas.markers([right], [38], is_open)
        right -= MARKER + 24
    parts = [describe(answer), span_name(page.first, page.last, lang), counts_line(shown, lang)]
    if page.summary:
        parts.append(tr("tl_per_month", lang))
    canvas.text(SIDE, 76, fit(" · ".join(p for p in parts if p), SUBTITLE_PT, WIDTH - 2 * SIDE), SUBTITLE_PT, MUTED)


def png(figure: Figure) -> bytes:
    """The figure as a 256-colour PNG: a quarter of the bytes of a true-colour one and faster to encode
    (flat colours and anti-aliased text need no more; Telegram re-encodes photos anyway)."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()
    rgb = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    rgb.quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Picture:
    png: bytes
    caption: str
    width: int
    height: int


def render_timeline(answer: Answer) -> tuple[Picture, ...]:
    """Every picture of a list answer (none when it has no model). Blocking: run it off the event loop."""
    pictures = []
    with drawing():
        for page in plan(answer):
            figure = draw(answer, page)
            pictures.append(Picture(png(figure), caption(answer, page), WIDTH, page.height))
            figure.clear()  # nothing else holds the figure (no pyplot); clearing frees its artists at once
    return tuple(pictures)
