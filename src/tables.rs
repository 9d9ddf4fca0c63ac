//! The worker's side of the tables: a report's long lists as rows of [`Cell`]s, and the
//! filtering, sorting, paging and CSV export that the page asks for. Pure code (no web APIs), so
//! it is tested natively and in Chromium alike.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use coursepulse_engine::Report;

use crate::worker::protocol::{Cell, Column, Sort, TableId, TablePage, TableQuery};

/// Rows of one table with their headers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Headers.
    pub columns: Vec<Column>,
    /// Rows in the natural order (ranking order for learners and videos).
    pub rows: Vec<Vec<Cell>>,
    /// The column holding views, which `min_views` applies to.
    pub views_column: Option<usize>,
    /// The last selection (filter, minimum views, sort) and its row order: paging through a
    /// sorted 100,000-row table sorts once, not on every page.
    cache: RefCell<Option<(SelectionKey, Rc<Vec<usize>>)>>,
}

type SelectionKey = (String, u64, Option<Sort>);

/// Builds `table` from `report`; `None` when the report has no such course or rule.
pub fn build(report: &Report, table: &TableId) -> Option<Table> {
    match table {
        TableId::Learners => Some(learners(report)),
        TableId::Videos => Some(videos(report, None)),
        TableId::CourseVideos { course } => report
            .courses
            .iter()
            .any(|row| &row.course_id == course)
            .then(|| videos(report, Some(course))),
        TableId::QualitySamples { rule } => report
            .quality
            .rules
            .iter()
            .find(|row| row.name == rule)
            .map(|rule| samples_table(&rule.samples)),
        TableId::DbtSamples { test } => report
            .quality
            .dbt
            .iter()
            .find(|row| &row.name == test)
            .map(|rule| samples_table(&rule.samples)),
    }
}

fn column(label: &str, numeric: bool) -> Column {
    Column {
        label: label.to_owned(),
        numeric,
    }
}

fn optional_real(value: Option<f64>) -> Cell {
    value
        .filter(|value| value.is_finite())
        .map_or(Cell::Empty, Cell::Real)
}

fn learners(report: &Report) -> Table {
    let rows = report
        .learners
        .iter()
        .map(|learner| {
            vec![
                learner.rank.map_or(Cell::Empty, Cell::Int),
                Cell::Text(learner.student_id.clone()),
                Cell::Int(learner.videos_watched),
                Cell::Int(learner.views),
                optional_real(learner.avg_completion),
            ]
        })
        .collect();
    Table {
        columns: vec![
            column("Rank", true),
            column("Learner", false),
            column("Videos watched", true),
            column("Views", true),
            column("Avg completion %", true),
        ],
        rows,
        views_column: Some(3),
        cache: RefCell::default(),
    }
}

fn videos(report: &Report, course: Option<&str>) -> Table {
    let rows = report
        .videos
        .iter()
        .filter(|video| course.is_none_or(|course| video.course_id.as_deref() == Some(course)))
        .map(|video| {
            vec![
                Cell::Text(video.video_id.clone()),
                video.video_title.clone().map_or(Cell::Empty, Cell::Text),
                video.course_id.clone().map_or(Cell::Empty, Cell::Text),
                Cell::Int(video.views),
                Cell::Int(video.learners),
                optional_real(video.avg_completion),
            ]
        })
        .collect();
    Table {
        columns: vec![
            column("Video", false),
            column("Title", false),
            column("Course", false),
            column("Views", true),
            column("Learners", true),
            column("Avg completion %", true),
        ],
        rows,
        views_column: Some(3),
        cache: RefCell::default(),
    }
}

/// The offending rows of a built-in rule or a dbt test.
fn samples_table(samples: &[coursepulse_engine::quality::Sample]) -> Table {
    // Every sample of a rule has the same mapped columns; the first one names them.
    let names: Vec<String> = samples
        .first()
        .map(|sample| sample.values.keys().cloned().collect())
        .unwrap_or_default();
    let mut columns = vec![column("Source", false), column("Row", true)];
    columns.extend(names.iter().map(|name| column(name, false)));
    let rows = samples
        .iter()
        .map(|sample| {
            let mut row = vec![Cell::Text(sample.source.clone()), Cell::Int(sample.row)];
            row.extend(names.iter().map(|name| match sample.values.get(name) {
                Some(Some(value)) => Cell::Text(value.clone()),
                _ => Cell::Empty,
            }));
            row
        })
        .collect();
    Table {
        columns,
        rows,
        views_column: None,
        cache: RefCell::default(),
    }
}

impl Table {
    /// Indices of the rows that pass the query's filter and minimum views, in its sort order.
    pub fn select(&self, query: &TableQuery) -> Vec<usize> {
        let needle = query.filter.trim().to_lowercase();
        let mut selected: Vec<usize> = (0..self.rows.len())
            .filter(|index| {
                let row = &self.rows[*index];
                let views_ok = match (self.views_column, query.min_views) {
                    (Some(column), min) if min > 1 => {
                        matches!(row[column], Cell::Int(views) if views >= min)
                    }
                    _ => true,
                };
                views_ok && (needle.is_empty() || row_matches(row, &needle))
            })
            .collect();
        if let Some(Sort { column, descending }) = query.sort
            && column < self.columns.len()
        {
            // Stable: ties keep the natural (ranking) order. Empty cells sort last either way.
            selected.sort_by(|left, right| {
                let (left, right) = (&self.rows[*left][column], &self.rows[*right][column]);
                match (left, right) {
                    (Cell::Empty, Cell::Empty) => Ordering::Equal,
                    (Cell::Empty, _) => Ordering::Greater,
                    (_, Cell::Empty) => Ordering::Less,
                    _ if descending => compare_cells(right, left),
                    _ => compare_cells(left, right),
                }
            });
        }
        selected
    }

    /// [`Table::select`], remembered for the next query with the same filter and sort.
    fn select_cached(&self, query: &TableQuery) -> Rc<Vec<usize>> {
        let key = (
            query.filter.trim().to_lowercase(),
            query.min_views.max(1),
            query.sort,
        );
        if let Some((cached_key, selection)) = &*self.cache.borrow()
            && *cached_key == key
        {
            return selection.clone();
        }
        let selection = Rc::new(self.select(query));
        *self.cache.borrow_mut() = Some((key, selection.clone()));
        selection
    }

    /// The page the query asks for.
    pub fn page(&self, query: &TableQuery) -> TablePage {
        let selected = self.select_cached(query);
        let offset = query.offset.min(selected.len());
        let end = offset.saturating_add(query.limit).min(selected.len());
        TablePage {
            columns: self.columns.clone(),
            rows: selected[offset..end]
                .iter()
                .map(|index| self.rows[*index].clone())
                .collect(),
            offset,
            matching: selected.len(),
            total: self.rows.len(),
            sort: query.sort,
        }
    }

    /// Every selected row as CSV (RFC 4180 quoting; formula-injection safe).
    pub fn to_csv(&self, query: &TableQuery) -> String {
        let mut out = String::new();
        let header: Vec<&str> = self
            .columns
            .iter()
            .map(|column| column.label.as_str())
            .collect();
        push_csv_line(&mut out, header.iter().map(|label| (*label).to_owned()));
        for &index in self.select_cached(query).iter() {
            push_csv_line(&mut out, self.rows[index].iter().map(csv_value));
        }
        out
    }
}

fn row_matches(row: &[Cell], needle: &str) -> bool {
    row.iter().any(|cell| match cell {
        Cell::Text(text) => text.to_lowercase().contains(needle),
        Cell::Int(value) => value.to_string() == needle,
        _ => false,
    })
}

fn compare_cells(left: &Cell, right: &Cell) -> Ordering {
    match (left, right) {
        (Cell::Int(left), Cell::Int(right)) => left.cmp(right),
        (Cell::Real(left), Cell::Real(right)) => left.total_cmp(right),
        (Cell::Int(left), Cell::Real(right)) => (*left as f64).total_cmp(right),
        (Cell::Real(left), Cell::Int(right)) => left.total_cmp(&(*right as f64)),
        (Cell::Text(left), Cell::Text(right)) => natural_cmp(left, right),
        (Cell::Text(_), _) => Ordering::Greater,
        (_, Cell::Text(_)) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// Case-insensitive, and runs of digits compare by value, so `S2` sorts before `S10`.
fn natural_cmp(left: &str, right: &str) -> Ordering {
    let (mut left_chars, mut right_chars) = (left.chars().peekable(), right.chars().peekable());
    loop {
        match (left_chars.peek().copied(), right_chars.peek().copied()) {
            (None, None) => return left.cmp(right),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(l), Some(r)) if l.is_ascii_digit() && r.is_ascii_digit() => {
                let left_digits = take_digits(&mut left_chars);
                let right_digits = take_digits(&mut right_chars);
                let ordering = left_digits
                    .trim_start_matches('0')
                    .len()
                    .cmp(&right_digits.trim_start_matches('0').len())
                    .then_with(|| {
                        left_digits
                            .trim_start_matches('0')
                            .cmp(right_digits.trim_start_matches('0'))
                    });
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            (Some(l), Some(r)) => {
                let ordering = l.to_lowercase().cmp(r.to_lowercase());
                if ordering != Ordering::Equal {
                    return ordering;
                }
                left_chars.next();
                right_chars.next();
            }
        }
    }
}

fn take_digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut digits = String::new();
    while let Some(ch) = chars.next_if(char::is_ascii_digit) {
        digits.push(ch);
    }
    digits
}

/// A cell as it goes into CSV: numbers unformatted (reals to 2 decimals, as shown).
fn csv_value(cell: &Cell) -> String {
    match cell {
        Cell::Int(value) => value.to_string(),
        Cell::Real(value) => format!("{value:.2}"),
        Cell::Text(text) => text.clone(),
        Cell::Empty => String::new(),
    }
}

/// Appends one CSV line. A text value that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`, the OWASP-recommended escape;
/// quoting follows RFC 4180.
fn push_csv_line(out: &mut String, values: impl Iterator<Item = String>) {
    for (index, value) in values.enumerate() {
        if index > 0 {
            out.push(',');
        }
        let escaped = if value.starts_with(['=', '+', '-', '@', '\t', '\r'])
            && value.parse::<f64>().is_err()
        {
            format!("'{value}")
        } else {
            value
        };
        if escaped.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&escaped.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&escaped);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: Vec<Vec<Cell>>) -> Table {
        Table {
            columns: vec![
                column("Id", false),
                column("Views", true),
                column("Avg", true),
            ],
            rows,
            views_column: Some(1),
            cache: RefCell::default(),
        }
    }

    fn sample() -> Table {
        table(vec![
            vec![Cell::Text("S10".into()), Cell::Int(5), Cell::Real(50.0)],
            vec![Cell::Text("s2".into()), Cell::Int(1), Cell::Empty],
            vec![Cell::Text("S1".into()), Cell::Int(3), Cell::Real(75.5)],
        ])
    }

    fn query(sort: Option<Sort>, filter: &str, min_views: u64) -> TableQuery {
        TableQuery {
            table: TableId::Learners,
            sort,
            filter: filter.into(),
            min_views,
            offset: 0,
            limit: 10,
        }
    }

    fn ids(table: &Table, query: &TableQuery) -> Vec<String> {
        table
            .select(query)
            .into_iter()
            .map(|index| table.rows[index][0].display())
            .collect()
    }

    #[test]
    fn sorting_is_natural_for_text_and_puts_empty_cells_last() {
        let table = sample();
        let by = |column, descending| query(Some(Sort { column, descending }), "", 0);
        assert_eq!(ids(&table, &by(0, false)), ["S1", "s2", "S10"]);
        assert_eq!(ids(&table, &by(0, true)), ["S10", "s2", "S1"]);
        assert_eq!(ids(&table, &by(2, true)), ["S1", "S10", "s2"]);
        assert_eq!(ids(&table, &by(2, false)), ["S10", "S1", "s2"]);
        assert_eq!(ids(&table, &query(None, "", 0)), ["S10", "s2", "S1"]);
    }

    #[test]
    fn filter_and_min_views_select_rows() {
        let table = sample();
        assert_eq!(ids(&table, &query(None, " S1", 0)), ["S10", "S1"]);
        assert_eq!(
            ids(&table, &query(None, "3", 0)),
            ["S1"],
            "a whole number matches a count"
        );
        assert_eq!(ids(&table, &query(None, "", 3)), ["S10", "S1"]);
        assert!(ids(&table, &query(None, "nobody", 0)).is_empty());
    }

    #[test]
    fn pages_are_clamped_and_report_counts() {
        let table = sample();
        let mut page_query = query(None, "", 0);
        page_query.offset = 2;
        page_query.limit = 5;
        let page = table.page(&page_query);
        assert_eq!(
            (page.offset, page.rows.len(), page.matching, page.total),
            (2, 1, 3, 3)
        );
        page_query.offset = 99;
        let page = table.page(&page_query);
        assert_eq!((page.offset, page.rows.len()), (3, 0));
        // The cached order must not leak into a query with another sort or filter.
        page_query.offset = 0;
        page_query.sort = Some(Sort {
            column: 0,
            descending: false,
        });
        let first = |table: &Table, query: &TableQuery| table.page(query).rows[0][0].display();
        assert_eq!(first(&table, &page_query), "S1");
        page_query.sort = None;
        assert_eq!(first(&table, &page_query), "S10");
        page_query.filter = "s2".into();
        assert_eq!(first(&table, &page_query), "s2");
    }

    #[test]
    fn csv_escapes_formulas_and_quotes() {
        let table = table(vec![
            vec![
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Int(1),
                Cell::Real(-5.0),
            ],
            vec![Cell::Text("+1,2".into()), Cell::Int(2), Cell::Empty],
            vec![
                Cell::Text("@SUM(A1)".into()),
                Cell::Int(3),
                Cell::Real(12.345),
            ],
            vec![Cell::Text("-3".into()), Cell::Int(4), Cell::Real(0.0)],
        ]);
        let csv = table.to_csv(&query(None, "", 0));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "Id,Views,Avg");
        assert_eq!(lines[1], "\"'=HYPERLINK(\"\"x\"\")\",1,-5.00");
        assert_eq!(lines[2], "\"'+1,2\",2,");
        assert_eq!(lines[3], "'@SUM(A1),3,12.35");
        assert_eq!(
            lines[4], "-3,4,0.00",
            "a plain negative number is data, not a formula"
        );
        assert_eq!(lines[5], "");
    }

    #[test]
    fn display_groups_thousands_and_rounds_reals() {
        assert_eq!(Cell::Int(1_234_567).display(), "1,234,567");
        assert_eq!(Cell::Int(999).display(), "999");
        assert_eq!(Cell::Real(66.666).display(), "66.67");
        assert_eq!(Cell::Empty.display(), "");
    }
}
