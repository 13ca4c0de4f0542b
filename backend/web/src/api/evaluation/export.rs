//! The ranking as CSV (UTF-8 with BOM) and XLSX, with zh-CN headers.

use actix_web::get;
use actix_web::{HttpResponse, web};
use app::evaluation::RankingView;
use domain::scenario::ScenarioId;

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;

/// The ranking as rows of cells with zh-CN headers (shared by CSV and XLSX).
fn ranking_table(r: &RankingView) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec![
        "排名".to_string(),
        "投标企业".into(),
        "报价（元）".into(),
        format!("价格分（权重 {}）", r.price_weight),
    ];
    for (_, name, w) in &r.criteria {
        header.push(format!("{name}（权重 {w}）均分"));
    }
    header.extend([
        "技术分".to_string(),
        "总分".into(),
        "异常低价".into(),
        "低价说明".into(),
    ]);
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let e = &row.evaluated;
            let mut cells = vec![
                e.rank.to_string(),
                row.vendor_name.clone(),
                format!("{:.2}", e.price_fen as f64 / 100.0),
                format!("{:.2}", e.price_score),
            ];
            for (c, _, _) in &r.criteria {
                let mean = e
                    .criteria
                    .iter()
                    .find(|(id, _)| id == c)
                    .and_then(|(_, m)| *m);
                cells.push(mean.map(|m| format!("{m:.2}")).unwrap_or_default());
            }
            cells.extend([
                format!("{:.2}", e.technical_score),
                format!("{:.2}", e.total),
                if row.abnormally_low { "是" } else { "" }.to_string(),
                row.low_price_check
                    .as_ref()
                    .map(|c| c.note.clone())
                    .unwrap_or_default(),
            ]);
            cells
        })
        .collect();
    (header, rows)
}

/// A cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) is written
/// with a leading apostrophe, so an organization's name can never run as a formula. Numbers
/// (a minus sign followed by digits) stay numbers.
fn csv_safe(cell: &str) -> String {
    let numeric = cell.parse::<f64>().is_ok();
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !numeric => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_like_cells_are_defused_and_numbers_kept() {
        assert_eq!(super::csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::csv_safe("-12.50"), "-12.50");
        assert_eq!(super::csv_safe("青灵视觉"), "青灵视觉");
    }
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, description = "the ranking as CSV (UTF-8 with BOM, zh-CN headers)", content_type = "text/csv")))]
#[get("/scenarios/{id}/ranking.csv")]
/// The ranking as CSV.
pub async fn ranking_csv(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = state.call(move |s| s.ranking(&who.actor, id)).await?;
    let (header, rows) = ranking_table(&r);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.iter().map(|c| csv_safe(c)))
        .map_err(domain::Error::internal)?;
    for row in rows {
        w.write_record(row.iter().map(|c| csv_safe(c)))
            .map_err(domain::Error::internal)?;
    }
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend(w.into_inner().map_err(domain::Error::internal)?);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"ranking-{}.csv\"", id.0),
        ))
        .body(body))
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, description = "the ranking as an Excel workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
#[get("/scenarios/{id}/ranking.xlsx")]
/// The ranking as an Excel workbook.
pub async fn ranking_xlsx(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = state.call(move |s| s.ranking(&who.actor, id)).await?;
    let (header, rows) = ranking_table(&r);
    let body =
        crate::blocking::run(move || xlsx(&header, &rows).map_err(domain::Error::internal)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"ranking-{}.xlsx\"", id.0),
        ))
        .body(body))
}

/// The ranking table as an Excel workbook (numbers as numbers, the bidder as text).
fn xlsx(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("排名")?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
            sheet.set_column_width(c as u16, 16)?;
        }
        for (i, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) if c != 1 => sheet.write_number(i as u32 + 1, c as u16, n)?,
                    _ => sheet.write_string(i as u32 + 1, c as u16, cell)?,
                };
            }
        }
        book.save_to_buffer()
    }
}
