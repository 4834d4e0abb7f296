//! Domains in binding (`crate::user_types`): a domain's CHECK expressions
//! bound over a one-column row named `value`, and the `Func::Domain` wrapper
//! put around values assigned to a domain column or cast to a domain.

use super::*;
use crate::catalog::CheckDef;

impl Binder<'_> {
    /// Each check bound as a boolean over the row `[VALUE]`.
    pub(crate) fn bind_domain_checks(
        &mut self,
        base: ColType,
        checks: &[CheckDef],
    ) -> SqlResult<Vec<(String, Expr)>> {
        let scope = Scope {
            cols: vec![ScopeCol {
                qualifier: None,
                name: "value".into(),
                ty: base,
            }],
        };
        let mut out = Vec::with_capacity(checks.len());
        for c in checks {
            let ast = parse_expr(&c.expr)?;
            let b = self.bind_expr(&ast, &scope)?;
            out.push((c.name.clone(), self.coerce_bool(b, "CHECK", Span::empty())?));
        }
        Ok(out)
    }

    /// `x` checked against domain `oid` (if any) when evaluated.
    pub(super) fn with_domain(&self, x: Expr, domain: Option<u32>) -> Expr {
        match domain {
            None => x,
            Some(oid) => {
                let ty = x.ty();
                Expr::Func {
                    func: Func::Domain(oid),
                    args: vec![x],
                    ty,
                }
            }
        }
    }
}
