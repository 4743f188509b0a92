"""Training and model card of the learned router's tier estimator (`socle.router.tier_estimator`)."""
